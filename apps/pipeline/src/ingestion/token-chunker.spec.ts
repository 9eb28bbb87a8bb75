import { WordTokenizer } from '@relay/testing';
import { splitSentences, TokenChunker } from './token-chunker';

// WordTokenizer: one token per word, so every limit below can be checked by counting words.
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const sentence = (i: number) => `Sentence ${i} is about relays.`; // 5 words

describe('TokenChunker', () => {
  it('never lets a chunk cross a heading and titles each chunk with its heading path', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 100, overlapTokens: 10 });
    const md = '# Guide\n\nIntro.\n\n## Setup\n\nInstall it.\n\n### Linux\n\nUse apt.\n\n## Usage\n\nRun it.';
    expect(chunker.chunk({ title: 'Guide', format: 'markdown', sections: [{ text: md }] }).map((c) => [c.title, c.text])).toEqual([
      ['Guide', 'Intro.'],
      ['Guide — Setup', 'Install it.'],
      ['Guide — Setup › Linux', 'Use apt.'],
      ['Guide — Usage', 'Run it.'],
    ]);
  });

  it('keeps chunks within the token limit, overlapping by whole sentences, and loses no sentence', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 20, overlapTokens: 6 });
    const text = Array.from({ length: 12 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunker.chunk({ title: 'Doc', format: 'plain', sections: [{ text }] });

    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(words(c.text)).toBeLessThanOrEqual(20);
      expect(c.tokens).toBe(words(c.text));
    }
    // Each chunk starts with the last sentence of the one before (5 tokens fit the 6-token overlap).
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1].text.match(/Sentence \d+ is about relays\./g)!;
      expect(chunks[i].text.startsWith(previous[previous.length - 1])).toBe(true);
    }
    const seen = new Set(chunks.flatMap((c) => c.text.match(/Sentence \d+/g)!));
    expect(seen.size).toBe(12);
  });

  it('keeps the title and text of a chunk within the model window', () => {
    const chunker = new TokenChunker(new WordTokenizer(30), { chunkTokens: 25, overlapTokens: 0 });
    const long = 'word '.repeat(60);
    const chunks = chunker.chunk({ title: 'A five word long title', format: 'markdown', sections: [{ text: `## Section heading here\n\n${long}` }] });
    for (const c of chunks) expect(words(c.title) + words(c.text)).toBeLessThanOrEqual(30 - 2);
  });

  it('prefers to end a chunk at a paragraph break', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 20, overlapTokens: 0 });
    const p1 = [sentence(1), sentence(2)].join(' ');
    const p2 = [sentence(3), sentence(4), sentence(5)].join(' ');
    const chunks = chunker.chunk({ title: 'Doc', format: 'plain', sections: [{ text: `${p1}\n\n${p2}` }] });
    expect(chunks.map((c) => c.text)).toEqual([p1, p2]);
  });

  it('cuts a sentence longer than a chunk between words, never inside one', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 16, overlapTokens: 0 });
    const run = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunker.chunk({ title: 'Doc', format: 'plain', sections: [{ text: run }] });
    expect(chunks.map((c) => c.text).join(' ')).toBe(run);
    for (const c of chunks) expect(words(c.text)).toBeLessThanOrEqual(16);
  });

  it('keeps the page of each chunk and never joins two pages', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 100, overlapTokens: 10 });
    const chunks = chunker.chunk({ title: 'Doc', format: 'plain', sections: [{ text: 'One.', page: 1 }, { text: '   ', page: 2 }, { text: 'Three.', page: 3 }] });
    expect(chunks.map((c) => [c.position, c.page, c.text])).toEqual([
      [0, 1, 'One.'],
      [1, 3, 'Three.'],
    ]);
  });

  it('reads # lines as text in plain documents and keeps fenced code whole in Markdown', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 100, overlapTokens: 10 });
    expect(chunker.chunk({ title: 'T', format: 'plain', sections: [{ text: '# not a heading' }] })[0]).toMatchObject({ title: 'T', text: '# not a heading' });
    const fence = '```bash\n# a comment\n\nnpm start\n```';
    expect(chunker.chunk({ title: 'T', format: 'markdown', sections: [{ text: `# T\n\n${fence}` }] }).map((c) => c.text)).toEqual([fence]);
  });

  it('refuses an overlap as large as the chunk, naming both variables', () => {
    expect(() => new TokenChunker(new WordTokenizer(), { chunkTokens: 10, overlapTokens: 10 })).toThrow(/CHUNK_OVERLAP_TOKENS \(10\) must be smaller than CHUNK_TOKENS \(10\)/);
  });
});

describe('splitSentences', () => {
  // The regex it replaces, fine on short inputs: the scan must cut exactly where it did.
  const byRegex = (p: string) => p.split(/((?<=[.!?])[ \t]+|[ \t]*\n\s*)/);
  const alphabet = ['a', 'b', '.', '!', '?', ' ', ' ', '\t', '\n', '\n', 'x'];

  it('cuts where the old sentence regex cut, on 5,000 random paragraphs', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 5000; n++) {
      const p = Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const scanned = splitSentences(p);
      const regex = byRegex(p);
      // Units come from the trimmed non-empty texts and whether their separator holds a line break.
      const units = (parts: string[]) => parts.flatMap((t, i) => (i % 2 === 0 && t.trim() ? [[t.trim(), (parts[i - 1] ?? '').includes('\n')]] : []));
      expect([p, units(scanned)]).toEqual([p, units(regex)]);
    }
  });

  it('splits a long run of tabs in linear time', () => {
    const started = performance.now();
    splitSentences(`a.${'\t'.repeat(200_000)}b`);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
