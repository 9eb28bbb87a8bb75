import type { TextSpan } from '@relay/contracts';
import { BLOCK_START, isOneLineBlock, splitBlock } from './sentences';

/**
 * `splitSentences` for a text that grows at its end (an answer arriving token by token), without reading it all
 * again on every call: the spans returned are exactly `splitSentences(text)`, but what can no longer change is kept.
 * - Blocks end at lines that are complete (followed by a line break); such a line's verdict (blank, list item,
 *   heading…) is final, so the blocks before it and their sentences are kept.
 * - Inside the block in progress, a sentence end followed by white space and then something other than "[" is final
 *   too (only a citation marker could still join the sentence before it), so scanning resumes after it.
 * Only the last line and the sentence in progress are read again.
 */
export class GrowingTextSentences {
  private length = 0;
  /** Spans that no longer change, in order. */
  private readonly settled: TextSpan[] = [];
  /** Where the line not yet ended by a line break starts. */
  private lineStart = 0;
  /** Where the block in progress starts (blocksOf's `start` before that line). */
  private blockStart = 0;
  /** A sentence start in the block in progress: its sentences before this point are in `settled`. */
  private resumeAt = 0;

  /** The sentences of `text`, which must be the text of the previous call with more appended. */
  spans(text: string): TextSpan[] {
    if (text.length < this.length) throw new Error('GrowingTextSentences: the text may only grow');
    this.length = text.length;
    for (let nl = text.indexOf('\n', this.lineStart); nl >= 0; nl = text.indexOf('\n', this.lineStart)) {
      this.endLine(text, text.slice(this.lineStart, nl));
      this.lineStart = nl + 1;
    }
    const spans = this.settled.slice();
    for (const block of this.blocksInProgress(text)) {
      const first = spans.length;
      const inProgress = block.start === this.blockStart;
      splitBlock(text, block, inProgress ? this.resumeAt : block.start, spans);
      if (inProgress) this.settleFinishedSentences(text, spans, first);
    }
    return spans;
  }

  /** A line ended by a line break: the same steps as blocksOf, now final. */
  private endLine(text: string, line: string): void {
    if (this.lineStart > this.blockStart && (line.trim() === '' || BLOCK_START.test(line))) {
      this.settleBlock(text, { start: this.blockStart, end: this.lineStart - 1 });
      this.blockStart = this.resumeAt = this.lineStart;
    }
    if (isOneLineBlock(line)) {
      this.settleBlock(text, { start: this.blockStart, end: this.lineStart + line.length });
      this.blockStart = this.resumeAt = this.lineStart + line.length + 1;
    }
  }

  private settleBlock(text: string, block: TextSpan): void {
    if (block.end > block.start) splitBlock(text, block, this.resumeAt, this.settled);
  }

  /** The blocks from the block in progress to the end, as blocksOf would find them with the last line as it is now. */
  private blocksInProgress(text: string): TextSpan[] {
    const line = text.slice(this.lineStart);
    const blocks: TextSpan[] = [];
    let start = this.blockStart;
    if (this.lineStart > start && (line.trim() === '' || BLOCK_START.test(line))) {
      blocks.push({ start, end: this.lineStart - 1 });
      start = this.lineStart;
    }
    if (isOneLineBlock(line)) {
      blocks.push({ start, end: this.lineStart + line.length });
      start = this.lineStart + line.length + 1;
    }
    if (start < text.length) blocks.push({ start, end: text.length });
    return blocks.filter((b) => b.end > b.start);
  }

  /** Moves the block in progress's sentences that are final (spans[first…]) into `settled`, and resumes after them. */
  private settleFinishedSentences(text: string, spans: TextSpan[], first: number): void {
    let last = -1;
    for (let k = first; k + 1 < spans.length; k++) {
      const between = text.slice(spans[k].end, spans[k + 1].start);
      if (/^\s+$/.test(between) && text[spans[k + 1].start] !== '[') last = k;
    }
    if (last < 0) return;
    this.settled.push(...spans.slice(first, last + 1));
    this.resumeAt = spans[last + 1].start;
  }
}
