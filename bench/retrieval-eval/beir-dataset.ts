import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirDataset {
  folder: string;
  /** SHA-256 of the SHA256SUMS file: names this exact version of the data (cache key). */
  fingerprint: string;
  corpus: BeirDocument[];
  queries: Array<{ id: string; text: string }>;
  /** query id → (document id → grade) */
  qrels: Map<string, Map<string, number>>;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Loads a BEIR-layout folder (corpus.jsonl[.gz], queries.test.jsonl, qrels.test.tsv, SHA256SUMS) after checking
 * every file its SHA256SUMS lists, so figures are never computed on a damaged or different copy.
 */
export function loadBeirDataset(folder: string): BeirDataset {
  const dir = resolve(folder);
  const sumsPath = join(dir, 'SHA256SUMS');
  if (!existsSync(dir)) throw new Error(`dataset folder ${dir} does not exist: pass --dataset <folder> (BEIR layout, see ../shared/data/scifact/README.md)`);
  if (!existsSync(sumsPath)) throw new Error(`dataset folder ${dir} has no SHA256SUMS: cannot verify the data`);
  const sums = readFileSync(sumsPath, 'utf8');
  for (const line of sums.split('\n').filter((l) => l.trim())) {
    const match = /^([0-9a-f]{64})\s+\*?(.+)$/i.exec(line.trim());
    if (!match) throw new Error(`${sumsPath}: unreadable line "${line}"`);
    const file = join(dir, match[2]);
    if (!existsSync(file)) throw new Error(`dataset file ${file} listed in SHA256SUMS is missing`);
    const actual = sha256(readFileSync(file));
    if (actual !== match[1].toLowerCase()) throw new Error(`dataset file ${file} fails its checksum: expected ${match[1]}, got ${actual}`);
  }

  const corpusFile = ['corpus.jsonl.gz', 'corpus.jsonl'].map((f) => join(dir, f)).find(existsSync);
  if (!corpusFile) throw new Error(`dataset folder ${dir} has no corpus.jsonl(.gz)`);
  const raw = readFileSync(corpusFile);
  const corpus = jsonLines(corpusFile.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8'), corpusFile).map((d) => ({
    id: String(d._id),
    title: String(d.title ?? ''),
    text: String(d.text ?? ''),
  }));
  const queriesFile = join(dir, 'queries.test.jsonl');
  const qrelsFile = join(dir, 'qrels.test.tsv');
  for (const f of [queriesFile, qrelsFile]) if (!existsSync(f)) throw new Error(`dataset file ${f} is missing`);

  const qrels = new Map<string, Map<string, number>>();
  readFileSync(qrelsFile, 'utf8')
    .split('\n')
    .slice(1) // header: query-id, corpus-id, score
    .filter((l) => l.trim())
    .forEach((line, i) => {
      const [queryId, docId, grade] = line.split('\t');
      if (docId === undefined || Number.isNaN(Number(grade))) throw new Error(`${qrelsFile} line ${i + 2}: expected query-id, corpus-id, score`);
      if (!qrels.has(queryId)) qrels.set(queryId, new Map());
      qrels.get(queryId)!.set(docId, Number(grade));
    });
  // BEIR evaluates only the queries that have judgements.
  const queries = jsonLines(readFileSync(queriesFile, 'utf8'), queriesFile)
    .map((q) => ({ id: String(q._id), text: String(q.text) }))
    .filter((q) => qrels.has(q.id));
  return { folder: dir, fingerprint: sha256(sums), corpus, queries, qrels };
}

function jsonLines(text: string, file: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${file} line ${i + 1} is not JSON`);
      }
    });
}
