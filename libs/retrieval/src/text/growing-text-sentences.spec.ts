import { GrowingTextSentences } from './growing-text-sentences';
import { splitSentences } from './sentences';

/** A small deterministic random source, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

// Pieces that exercise every rule of the splitter: abbreviations, initials, numbers, markers, blocks, headings.
const PIECES = ['the', 'Kiln', 'e.g.', 'Dr.', 'J.', '1.8', 'approx.', ' ', ' ', ' ', '. ', '.', '? ', '! ', '…', '\n', '\n\n', '\n- ', '\n1. ', '\n# ', '\n| ', ' [1]', '[2]', ' [', ']', '"', ')', '  ', '\t', 'x', '9', '\n>', '```'];

describe('GrowingTextSentences', () => {
  it('returns exactly what splitSentences returns after every piece of a growing text', () => {
    const mismatches: string[] = [];
    for (let seed = 1; seed <= 1500 && mismatches.length === 0; seed++) {
      const next = random(seed);
      let text = '';
      for (let i = 5 + Math.floor(next() * 80); i > 0; i--) text += PIECES[Math.floor(next() * PIECES.length)];
      const growing = new GrowingTextSentences();
      for (let end = 0; end < text.length; ) {
        end += 1 + Math.floor(next() * 4);
        const prefix = text.slice(0, end);
        if (JSON.stringify(growing.spans(prefix)) !== JSON.stringify(splitSentences(prefix))) mismatches.push(`seed ${seed}: ${JSON.stringify(prefix)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps a citation marker with the sentence before it when the marker arrives after the space', () => {
    const growing = new GrowingTextSentences();
    const text = 'The fee is 19 euros. [2] It is paid at the desk.';
    growing.spans('The fee is 19 euros. ');
    growing.spans('The fee is 19 euros. [');
    expect(growing.spans(text).map((s) => text.slice(s.start, s.end))).toEqual(['The fee is 19 euros. [2]', 'It is paid at the desk.']);
  });

  it('refuses a text that got shorter', () => {
    const growing = new GrowingTextSentences();
    growing.spans('One. Two.');
    expect(() => growing.spans('One.')).toThrow('may only grow');
  });
});
