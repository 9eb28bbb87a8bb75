import type { TextSpan } from '@relay/contracts';

// Words after which a full stop does not end a sentence ("Dr. Anholt", "e.g. a kiln", "approx. 8 hours").
const ABBREVIATIONS = new Set([
  'dr', 'mr', 'mrs', 'ms', 'prof', 'st', 'no', 'nr', 'vs', 'etc', 'approx', 'ca', 'cf', 'fig', 'e.g', 'i.e', 'jr', 'sr', 'inc', 'ltd', 'co', 'dept', 'ext', 'tel', 'min', 'max',
]);
// A sentence end: terminal punctuation, optional closing quotes or brackets, then optional citation markers like [1].
const TERMINATOR = /[.!?…]+["'”’)\]]*(?:\s*\[\d{1,3}\])*/g;

// A line that starts a block of its own: blank, a list item, a heading, a table row, a quote or a code fence.
export const BLOCK_START = /^\s*(?:$|[-*+•]\s|\d+[.)]\s|#|\||>|```)/;

/**
 * Splits text into sentences: at terminal punctuation followed by white space (not after an abbreviation, an
 * initial or inside a number such as 1.8), and where a block ends, so each list item, heading or table row is a
 * piece of its own. A line break inside a paragraph (hard-wrapped prose) does not end a sentence. Citation markers
 * written after the full stop ("… 19 euros. [2]") stay with the sentence they follow. Returns spans into the
 * original text, trimmed, in order; whitespace-only pieces are left out.
 */
export function splitSentences(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const block of blocksOf(text)) splitBlock(text, block, block.start, spans);
  return spans;
}

/**
 * Appends the sentences of one block to `spans`, reading from `from`: the block's start, or the start of a sentence
 * inside it whose earlier sentences the caller already has (GrowingTextSentences resumes there).
 */
export function splitBlock(text: string, block: TextSpan, from: number, spans: TextSpan[]): void {
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (end > start) spans.push({ start, end });
  };
  const body = text.slice(from, block.end);
  let sentenceStart = from;
  TERMINATOR.lastIndex = 0;
  for (let match = TERMINATOR.exec(body); match; match = TERMINATOR.exec(body)) {
    const at = from + match.index;
    const end = at + match[0].length;
    // Only white space (or the end of the block) after the punctuation ends a sentence: "1.8", "E-14.x" do not.
    if (end < block.end && !/\s/.test(text[end])) continue;
    // The word before the full stop is all the abbreviation test reads; 64 characters hold any word it knows.
    if (match[0].startsWith('.') && isAbbreviation(text.slice(Math.max(sentenceStart, at - 64), at))) continue;
    push(sentenceStart, end);
    sentenceStart = end;
  }
  push(sentenceStart, block.end);
}

/** Paragraphs and list items: runs of lines up to a line that starts a block (BLOCK_START). */
export function blocksOf(text: string): TextSpan[] {
  const blocks: TextSpan[] = [];
  let start = 0;
  let lineStart = 0;
  for (const line of text.split('\n')) {
    const blank = line.trim() === '';
    if (lineStart > start && (blank || BLOCK_START.test(line))) {
      blocks.push({ start, end: lineStart - 1 });
      start = lineStart;
    }
    // A heading or table row is a block of one line: what follows it starts anew.
    if (isOneLineBlock(line)) {
      blocks.push({ start, end: lineStart + line.length });
      start = lineStart + line.length + 1;
    }
    lineStart += line.length + 1;
  }
  if (start < text.length) blocks.push({ start, end: text.length });
  return blocks.filter((b) => b.end > b.start);
}

/** A heading or a table row: a block of one line. */
export function isOneLineBlock(line: string): boolean {
  return /^\s*(?:#|\|)/.test(line);
}

/** The texts of the sentences, for callers that do not need the offsets. */
export function sentencesOf(text: string): string[] {
  return splitSentences(text).map((s) => text.slice(s.start, s.end));
}

function isAbbreviation(before: string): boolean {
  // The word must stand alone: "°C." and "P1." end sentences.
  const word = /(?:^|[\s(])([\p{L}.]+)$/u.exec(before)?.[1];
  if (!word) return false;
  // A single capital letter is an initial ("J. Smith"); a lower-case abbreviation from the list ("approx.").
  if (/^\p{Lu}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}
