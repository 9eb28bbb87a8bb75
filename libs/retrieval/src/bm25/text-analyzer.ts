import stemmer = require('stemmer');
import { ENGLISH_STOP_WORDS } from './english-stop-words';

// A decimal number stays one token ("1.5", "10,000"); otherwise a token is a run of letters, marks and digits in any script.
const TOKEN = /\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{M}\p{N}]+/gu;
// English possessives ("patient's") lose their 's before splitting, as Lucene's EnglishPossessiveFilter does.
const POSSESSIVE = /['’]s(?![\p{L}\p{N}])/gu;
// Stemming is the analyzer's main cost and a corpus repeats its words: remember the stems (bounded, cleared when full).
const STEM_CACHE_SIZE = 200_000;
const stems = new Map<string, string>();

function stem(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stems.set(word, (stemmed = stemmer(word)));
  }
  return stemmed;
}

/**
 * Turns text into index terms the way Lucene's EnglishAnalyzer does: Unicode-normalised (NFKC), lower-cased, split
 * into words, English stop words dropped, each word reduced by Porter's stemmer ("cells" and "cell" match). The same
 * analyzer must be used for chunks and queries.
 */
export function analyze(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().replace(POSSESSIVE, '').match(TOKEN) ?? [];
  const terms: string[] = [];
  for (const word of words) {
    if (ENGLISH_STOP_WORDS.has(word)) continue;
    terms.push(/^\p{N}/u.test(word) ? word : stem(word));
  }
  return terms;
}
