import { isFence, markdownHeading, type DocumentSection } from '@relay/contracts';
import type { EmbeddingTokenizer } from '@relay/embeddings';

export interface ChunkerOptions {
  /** Most tokens of text in a chunk (its title is counted separately, within the model's window). */
  chunkTokens: number;
  /** Tokens of the end of a chunk repeated at the start of the next one in the same section. */
  overlapTokens: number;
}

export interface DocumentText {
  title: string;
  /** markdown: `#` lines are headings and fenced code stays whole where it fits; plain: paragraphs only. */
  format: 'markdown' | 'plain';
  sections: DocumentSection[];
}

export interface TextChunk {
  position: number;
  /** The document's title and the heading path the chunk sits under, so a chunk reads (and is found) on its own. */
  title: string;
  page?: number;
  text: string;
  /** Tokens of `text` by the embedder's tokenizer. */
  tokens: number;
}

interface Block {
  headings: string[];
  page?: number;
  paragraphs: string[];
}

/** A piece that is never cut further: a paragraph, else a sentence, else a run of words. */
interface Unit {
  text: string;
  tokens: number;
  /** What joins it to the unit before it: a paragraph break, a line break or a space. */
  separator: '\n\n' | '\n' | ' ';
}

/** The fewest text tokens a chunk may have: a heading path so long that it leaves less is shortened instead. */
const MIN_TEXT_TOKENS = 32;

/** More characters than any tokenizer puts in one token: bounds the search for where to cut an unbroken string. */
const MAX_CHARS_PER_TOKEN = 64;

/**
 * Cuts a document into chunks that fit the embedding model, counting tokens with the model's own tokenizer: a
 * chunk never crosses a heading or a page; within a section whole paragraphs are packed first, a paragraph too long
 * is cut between sentences, and a sentence too long between words. Consecutive chunks of a section overlap by up to
 * `overlapTokens` tokens of whole sentences, so a fact that straddles a cut is still found whole in one chunk.
 */
export class TokenChunker {
  constructor(
    private readonly tokenizer: EmbeddingTokenizer,
    private readonly options: ChunkerOptions,
  ) {
    if (options.overlapTokens >= options.chunkTokens) {
      throw new Error(`CHUNK_OVERLAP_TOKENS (${options.overlapTokens}) must be smaller than CHUNK_TOKENS (${options.chunkTokens})`);
    }
  }

  chunk(doc: DocumentText): TextChunk[] {
    const chunks: TextChunk[] = [];
    for (const block of doc.format === 'markdown' ? markdownBlocks(doc.sections) : plainBlocks(doc.sections)) {
      const { title, budget } = this.titleAndBudget(doc.title, block.headings);
      const units = block.paragraphs.flatMap((p) => this.units(p, budget));
      for (const text of this.pack(units, budget)) {
        chunks.push({ position: chunks.length, title, ...(block.page !== undefined ? { page: block.page } : {}), text: text.text, tokens: text.tokens });
      }
    }
    return chunks;
  }

  /** The chunk title and the tokens left for text: title and text together must fit the model's window. */
  private titleAndBudget(docTitle: string, headings: string[]): { title: string; budget: number } {
    const window = this.tokenizer.maxTokens - this.tokenizer.specialTokens;
    const path = headings[0] === docTitle ? headings.slice(1) : headings;
    for (let from = 0; from <= path.length; from++) {
      const title = from < path.length ? `${docTitle} — ${path.slice(from).join(' › ')}` : docTitle;
      const budget = Math.min(this.options.chunkTokens, window - this.tokenizer.count(title));
      if (budget >= Math.min(MIN_TEXT_TOKENS, this.options.chunkTokens)) return { title, budget };
    }
    // Even the document title alone is too long: keep as many of its words as leave room for text.
    const words = docTitle.split(/\s+/);
    while (words.length > 1 && window - this.tokenizer.count(words.join(' ')) < MIN_TEXT_TOKENS) words.pop();
    const title = words.join(' ');
    return { title, budget: Math.max(1, Math.min(this.options.chunkTokens, window - this.tokenizer.count(title))) };
  }

  private units(paragraph: string, budget: number): Unit[] {
    const tokens = this.tokenizer.count(paragraph);
    if (tokens <= budget) return [{ text: paragraph, tokens, separator: '\n\n' }];
    const units: Unit[] = [];
    const parts = splitSentences(paragraph);
    for (let i = 0; i < parts.length; i += 2) {
      const sentence = parts[i].trim();
      if (!sentence) continue;
      const separator = units.length === 0 ? '\n\n' : (parts[i - 1] ?? '').includes('\n') ? '\n' : ' ';
      const count = this.tokenizer.count(sentence);
      if (count <= budget) units.push({ text: sentence, tokens: count, separator });
      else this.words(sentence, budget).forEach((w, j) => units.push({ ...w, separator: j === 0 ? separator : ' ' }));
    }
    return units;
  }

  /** A sentence longer than a chunk, as runs of whole words; a single word longer than a chunk is cut by characters. */
  private words(sentence: string, budget: number): Array<Omit<Unit, 'separator'>> {
    const runs: Array<Omit<Unit, 'separator'>> = [];
    let run: string[] = [];
    let runTokens = 0;
    const flush = () => {
      if (run.length) runs.push({ text: run.join(' '), tokens: runTokens });
      run = [];
      runTokens = 0;
    };
    for (const word of sentence.split(/\s+/).filter(Boolean)) {
      const count = this.tokenizer.count(word);
      if (count > budget) {
        flush();
        runs.push(...this.hardCut(word, budget));
        continue;
      }
      if (runTokens + count > budget) flush();
      run.push(word);
      runTokens += count;
    }
    flush();
    return runs;
  }

  private hardCut(word: string, budget: number): Array<Omit<Unit, 'separator'>> {
    const pieces: Array<Omit<Unit, 'separator'>> = [];
    let rest = word;
    while (rest) {
      // The longest prefix that fits, found by halving: tokens grow with length.
      // No piece is longer than MAX_CHARS_PER_TOKEN characters a token: searching further would make a long
      // unbroken string cost its length squared.
      let lo = 1;
      let hi = Math.min(rest.length, budget * MAX_CHARS_PER_TOKEN);
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (this.tokenizer.count(rest.slice(0, mid)) <= budget) lo = mid;
        else hi = mid - 1;
      }
      const piece = rest.slice(0, lo);
      pieces.push({ text: piece, tokens: this.tokenizer.count(piece) });
      rest = rest.slice(lo);
    }
    return pieces;
  }

  /** Packs units greedily into chunks of at most `budget` tokens, preferring to end a chunk at a paragraph break. */
  private pack(units: Unit[], budget: number): Array<{ text: string; tokens: number }> {
    const out: Array<{ text: string; tokens: number }> = [];
    let i = 0;
    while (i < units.length) {
      let j = i;
      let tokens = 0;
      while (j < units.length && tokens + units[j].tokens <= budget) tokens += units[j++].tokens;
      if (j < units.length && units[j].separator !== '\n\n') {
        // Back up to the last paragraph break if that still leaves at least half a chunk.
        let p = j - 1;
        while (p > i && units[p].separator !== '\n\n') p--;
        const before = units.slice(i, p).reduce((n, u) => n + u.tokens, 0);
        if (p > i && before >= budget / 2) {
          j = p;
          tokens = before;
        }
      }
      out.push({ text: units.slice(i, j).map((u, n) => (n === 0 ? u.text : `${u.separator}${u.text}`)).join(''), tokens });
      if (j >= units.length) break;
      // The next chunk starts with the last whole units of this one that fit in the overlap, and always moves on.
      let k = j;
      let overlap = 0;
      while (k - 1 > i && overlap + units[k - 1].tokens <= this.options.overlapTokens) overlap += units[--k].tokens;
      i = k;
    }
    return out;
  }
}

/**
 * A paragraph cut after sentence ends (`.`, `!` or `?` then spaces or tabs) and at line breaks (with the whitespace
 * around them), as [text, separator, text, separator, …, text]. A scan rather than a regex: a regex for this
 * (`(?<=[.!?])[ \t]+|[ \t]*\n\s*`) backtracks quadratically on a long run of tabs or spaces.
 */
export function splitSentences(paragraph: string): string[] {
  const parts: string[] = [];
  let textStart = 0;
  let i = 0;
  const isBlank = (ch: string) => ch === ' ' || ch === '\t';
  while (i < paragraph.length) {
    const ch = paragraph[i];
    if (!isBlank(ch) && ch !== '\n') {
      i++;
      continue;
    }
    let j = i;
    while (j < paragraph.length && isBlank(paragraph[j])) j++;
    const lineBreak = paragraph[j] === '\n';
    const afterSentence = i > 0 && '.!?'.includes(paragraph[i - 1]);
    if (!lineBreak && !afterSentence) {
      i = j;
      continue;
    }
    if (lineBreak) {
      j++;
      while (j < paragraph.length && paragraph[j].trim() === '') j++;
    }
    parts.push(paragraph.slice(textStart, i), paragraph.slice(i, j));
    textStart = i = j;
  }
  parts.push(paragraph.slice(textStart));
  return parts;
}

function markdownBlocks(sections: DocumentSection[]): Block[] {
  const blocks: Block[] = [];
  const path: string[] = [];
  for (const section of sections) {
    let current: Block = { headings: path.filter(Boolean), page: section.page, paragraphs: [] };
    let paragraph: string[] = [];
    let inFence = false;
    const endParagraph = () => {
      const text = paragraph.join('\n').trim();
      if (text) current.paragraphs.push(text);
      paragraph = [];
    };
    for (const line of section.text.replace(/\r\n?/g, '\n').split('\n')) {
      if (isFence(line)) inFence = !inFence;
      const heading = !inFence && markdownHeading(line);
      if (heading) {
        endParagraph();
        if (current.paragraphs.length) blocks.push(current);
        path.length = heading.level - 1;
        path[heading.level - 1] = heading.text;
        current = { headings: path.filter(Boolean), page: section.page, paragraphs: [] };
      } else if (!inFence && line.trim() === '') {
        endParagraph();
      } else {
        paragraph.push(line);
      }
    }
    endParagraph();
    if (current.paragraphs.length) blocks.push(current);
  }
  return blocks;
}

function plainBlocks(sections: DocumentSection[]): Block[] {
  return sections
    .map((s) => ({
      headings: [],
      page: s.page,
      paragraphs: s.text
        .replace(/\r\n?/g, '\n')
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean),
    }))
    .filter((b) => b.paragraphs.length > 0);
}
