// stemmer 1.x (CommonJS; 2.x is ESM-only) ships no types: one function, Porter's 1980 algorithm.
declare module 'stemmer' {
  function stemmer(word: string): string;
  export = stemmer;
}
