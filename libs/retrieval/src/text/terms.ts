import { analyze } from '../bm25/text-analyzer';

// Words of a question that ask rather than say what about ("what does E-21 mean", "how many days do I get"):
// they rarely appear in the answer's sentence, and counting them would make every question look half unanswered.
// Stemmed, as the analyzer leaves them (does → doe, many → mani); the analyzer's stop words are Lucene's short list.
// Besides question words and auxiliaries: adverbs of degree and manner ("how early", "how quickly", "around"), and
// words naming the kind of answer wanted ("what time", "which date", "what number"), which the answering sentence
// says with a value instead ("at 06:15").
const QUESTION_FILLER = new Set([
  'what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'do', 'doe', 'did', 'i', 'me', 'my', 'we', 'our', 'us',
  'you', 'your', 'should', 'would', 'could', 'can', 'may', 'might', 'must', 'shall', 'ha', 'have', 'had', 'am', 'were', 'been',
  'much', 'mani', 'long', 'often', 'get', 'got', 'need', 'want', 'know', 'tell', 'mean', 'happen', 'explain', 'describ', 'exactli',
  'pleas', 'ani', 'some', 'go', 'goe', 'come', 'earli', 'late', 'soon', 'quickli', 'around', 'approxim', 'roughli', 'usual',
  'typic', 'normal', 'per', 'time', 'date', 'amount', 'number',
]);
// Codes such as E-14, TC-9, P0 or DV-2: one term each ("#e14"), besides their parts, so that a question about one
// code finds the sentence about that code and not every sentence with an "e" or a "14".
const CODE = /(?<![\p{L}\p{N}])(\p{L}{1,3})-?(\p{N}{1,4})(?![\p{L}\p{N}])/gu;

/** Index terms of a text (the retrieval analyzer's: stemmed, stop words dropped), plus one term per code it mentions. */
export function termsOf(text: string): Set<string> {
  const terms = new Set(analyze(text));
  for (const m of text.matchAll(CODE)) terms.add(`#${m[1].toLowerCase()}${m[2]}`);
  return terms;
}

/** The terms a question asks about: its index terms and codes, without the words that only make it a question. */
export function questionTermsOf(question: string): Set<string> {
  return new Set([...termsOf(question)].filter((t) => !QUESTION_FILLER.has(t)));
}
