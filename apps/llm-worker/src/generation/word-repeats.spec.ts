import { WordRepeats } from './word-repeats';

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** The answers read straight from the word list: the definitions the index must agree with. */
function naiveLongestRepeatedTail(words: string[]): number {
  const m = words.length - 1;
  let longest = 0;
  for (let e = 0; e < m; e++) {
    let k = 0;
    while (e - k >= 0 && (k === 0 ? words[e].startsWith(words[m]) : words[e - k] === words[m - k])) k++;
    longest = Math.max(longest, k);
  }
  return longest;
}

function naiveOccurrences(words: string[], n: number): number[] {
  const key = words.slice(-n).join(' ');
  const starts: number[] = [];
  for (let i = 0; i + n <= words.length; i++) {
    if (words.slice(i, i + n).join(' ') === key) {
      starts.push(i);
      i += n - 1;
    }
  }
  return words.length < n ? [] : starts;
}

const at = (word: string, i: number) => ({ word, offset: i * 10, end: i * 10 + word.length });

describe('WordRepeats', () => {
  it('agrees with reading the whole word list, for a last word finished or still being written', () => {
    const vocabulary = ['the', 'then', 'kiln', 'seal', 'and', 'th', 'a'];
    const disagreements: string[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const next = random(seed);
      const index = new WordRepeats();
      const words: string[] = [];
      for (let i = 0; i < 60; i++) {
        const word = vocabulary[Math.floor(next() * vocabulary.length)];
        // As a pending word: the index holds the words before it.
        const withPending = [...words, word];
        if (index.longestRepeatedTail(word) !== naiveLongestRepeatedTail(withPending)) disagreements.push(`tail ${seed}/${i} pending`);
        if (JSON.stringify(index.occurrencesOfTail(3, word)) !== JSON.stringify(naiveOccurrences(withPending, 3))) disagreements.push(`loop ${seed}/${i} pending`);
        index.append(at(word, i));
        words.push(word);
        if (index.longestRepeatedTail() !== naiveLongestRepeatedTail(words)) disagreements.push(`tail ${seed}/${i}`);
        if (JSON.stringify(index.occurrencesOfTail(3)) !== JSON.stringify(naiveOccurrences(words, 3))) disagreements.push(`loop ${seed}/${i}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('matches a word cut in the middle against the words it begins', () => {
    const index = new WordRepeats();
    ['quillfeather', 'pays', 'salary'].forEach((w, i) => index.append(at(w, i)));
    expect(index.longestRepeatedTail('quill')).toBe(1);
    expect(index.longestRepeatedTail('quiz')).toBe(0);
  });
});
