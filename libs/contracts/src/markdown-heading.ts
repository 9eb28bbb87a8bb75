/**
 * What a heading is in docs.ingest's `format: 'markdown'` text: the gateway's parsers read the title from it and the
 * pipeline's chunker cuts along it, so both sides share this one reader.
 *
 * Hand-written rather than a regex: the obvious pattern (`^#\s+(.+?)\s*#*\s*$`) has overlapping quantifiers that
 * backtrack cubically on a long line of spaces (4 s for 2,000 spaces, hours for an upload's long line). This reads each
 * character at most a few times, whatever the line holds.
 */

/** Longest heading text kept; the rest of a longer heading line is dropped (titles travel in every chunk). */
export const MAX_HEADING_CHARS = 500;

export interface MarkdownHeading {
  /** 1 for `#`, up to 6 for `######`. */
  level: number;
  /** The heading's words, without the `#` marks, surrounding spaces or a closing `#` sequence; may be empty. */
  text: string;
}

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\u00a0' || ch === '\f' || ch === '\v' || ch === '\r' || ch === '\n' || (ch > '\u007f' && ch.trim() === '');

/** The ATX heading on this line (`#` to `######`, then whitespace), or undefined when the line is not one. */
export function markdownHeading(line: string): MarkdownHeading | undefined {
  let level = 0;
  while (level < line.length && level < 7 && line[level] === '#') level++;
  if (level === 0 || level > 6) return undefined;
  if (level < line.length && !isSpace(line[level])) return undefined;
  let end = line.length;
  while (end > level && isSpace(line[end - 1])) end--;
  // A closing run of `#` is dropped when a space separates it from the words (CommonMark), or when it is all there is.
  let close = end;
  while (close > level && line[close - 1] === '#') close--;
  if (close < end && (close === level || isSpace(line[close - 1]))) {
    end = close;
    while (end > level && isSpace(line[end - 1])) end--;
  }
  let start = level;
  while (start < end && isSpace(line[start])) start++;
  return { level, text: line.slice(start, Math.min(end, start + MAX_HEADING_CHARS)) };
}

/** The text of the first level-1 heading outside code fences, if any. */
export function firstMarkdownTitle(markdown: string): string | undefined {
  let inFence = false;
  let from = 0;
  while (from <= markdown.length) {
    let to = markdown.indexOf('\n', from);
    if (to === -1) to = markdown.length;
    const line = markdown.slice(from, to).replace(/\r$/, '');
    if (isFence(line)) inFence = !inFence;
    else if (!inFence) {
      const heading = markdownHeading(line);
      if (heading?.level === 1 && heading.text) return heading.text;
    }
    from = to + 1;
  }
  return undefined;
}

/** A line that opens or closes a fenced code block: ``` or ~~~ after optional indentation. */
export function isFence(line: string): boolean {
  let i = 0;
  while (i < line.length && isSpace(line[i])) i++;
  return line.startsWith('```', i) || line.startsWith('~~~', i);
}
