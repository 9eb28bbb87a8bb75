import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One question of the grounded-answer set (bench/answers-eval/questions.json). */
export interface EvalQuestion {
  id: string;
  question: string;
  /** Each entry lists the accepted spellings of one expected fact; empty for an unanswerable question. */
  facts: string[][];
  /** File names (in documents/) of the documents that hold the facts. */
  sources: string[];
}

export interface EvalSet {
  folder: string;
  documentsDir: string;
  documents: string[];
  questions: Array<EvalQuestion & { answerable: boolean; split: 'A' | 'B' }>;
}

/**
 * The set: made-up documents and questions about them. Questions alternate between two halves in file order (each
 * domain contributes to both): thresholds are calibrated on half A and reported on half B.
 */
export function loadEvalSet(folder: string): EvalSet {
  const { questions } = JSON.parse(readFileSync(join(folder, 'questions.json'), 'utf8')) as { questions: EvalQuestion[] };
  const documentsDir = join(folder, 'documents');
  const documents = readdirSync(documentsDir).filter((f) => f.endsWith('.md')).sort();
  const ids = new Set<string>();
  for (const q of questions) {
    if (ids.has(q.id)) throw new Error(`question id ${q.id} appears twice`);
    ids.add(q.id);
    for (const source of q.sources) if (!documents.includes(source)) throw new Error(`${q.id}: no document ${source}`);
    if ((q.facts.length === 0) !== (q.sources.length === 0)) throw new Error(`${q.id}: facts and sources must both be given or both be empty`);
  }
  return {
    folder,
    documentsDir,
    documents,
    questions: questions.map((q, i) => ({ ...q, answerable: q.facts.length > 0, split: i % 2 === 0 ? 'A' : 'B' })),
  };
}

/** The knowledge-base seeder's document id for a file of the set (kb:<path under KNOWLEDGE_BASE_DIR>). */
export const documentIdOf = (file: string): string => `kb:${file}`;
