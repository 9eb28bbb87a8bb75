import 'reflect-metadata';
import { parseEnv, readEnvironment } from '@relay/config';
import { embeddingsConfigSchema, TransformersJsEmbedder } from '@relay/embeddings';
import { ExactVectorStore, HnswVectorStore, StoredChunk, VectorStore } from '@relay/vector-store';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ClusteredVectors, exactTopK, recallAtK, row, VectorSet } from './clustered-vectors';
import { bucketsOf, filteredSearch } from './filtered-search';
import { round } from './stats';

// npm run bench:retrieval [-- --n 100000 --dim 384 --queries 1000 --clusters 200 --m 16 --ef-construction 200
//                            --ef-search 64 --noise 0.08 --filtered-queries 200 --skip-faiss --skip-corpus
//                            --skip-filtered --python /usr/bin/python3]
// Our HNSW adapter (hnswlib through HnswVectorStore) against exact brute force and FAISS's IndexHNSWFlat with the
// same M / efConstruction / efSearch, both on one thread; then filtered search on the same index (recall of hnswlib's
// filtered graph search against the exact answer, and its cost against scanning the allow-list); then the sample
// knowledge base through the real embedder.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const positive = (name: string, fallback: string) => {
  const value = Number(arg(name, fallback));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${arg(name, fallback)}`);
  return value;
};
const N = positive('n', '100000');
const DIM = positive('dim', '384');
const QUERIES = positive('queries', '1000');
const CLUSTERS = positive('clusters', '200');
const M = positive('m', '16');
const EF_CONSTRUCTION = positive('ef-construction', '200');
const EF_SEARCH = positive('ef-search', '64');
/** Isotropic noise per dimension on top of each cluster's own 32 directions: higher makes neighbours harder to find. */
const NOISE = Number(arg('noise', '0.08'));
if (!(NOISE >= 0)) throw new Error(`--noise must be a number ≥ 0, got ${arg('noise', '0.08')}`);
const K = 10;
const SKIP_FAISS = process.argv.includes('--skip-faiss');
const SKIP_CORPUS = process.argv.includes('--skip-corpus');
const SKIP_FILTERED = process.argv.includes('--skip-filtered');
const FILTERED_QUERIES = positive('filtered-queries', '200');
const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * Queries per second with `concurrency` callers each awaiting one search at a time. hnswlib's search is synchronous,
 * so on one event loop 16 callers still run one search after another: the figure shows the adapter adds no
 * queueing cost, not parallel speed-up (that takes more processes, as the pipeline's replicas do).
 */
async function qps(store: VectorStore, queries: VectorSet, concurrency: number): Promise<{ qps: number; found: number[][] }> {
  const found: number[][] = new Array(queries.count);
  for (let i = 0; i < Math.min(50, queries.count); i++) await store.search(row(queries, i), K); // warm-up
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.count) {
        const q = next++;
        found[q] = (await store.search(row(queries, q), K)).map((h) => Number(h.chunk.chunkId));
      }
    }),
  );
  return { qps: queries.count / seconds(started), found };
}

/** Row i as a chunk: its collection and document are what the filtered runs select by (see filtered-search.ts). */
const chunkOf = (i: number, buckets: Int32Array, clusters: Int32Array): StoredChunk => ({
  chunkId: String(i),
  documentId: `cluster-${clusters[i]}`,
  collectionId: `b${buckets[i]}`,
  title: '',
  source: '',
  position: i,
  text: '',
});

/** The Python helpers stay in bench/ (not compiled): from dist/bench/ that is ../../bench/. */
const script = (name: string) => join(__dirname, '..', '..', 'bench', name);

function findFaissPython(): string | undefined {
  const candidates = [arg('python', ''), 'python3', '/usr/bin/python3'].filter(Boolean);
  return candidates.find((python) => spawnSync(python, ['-c', 'import faiss, numpy'], { stdio: 'ignore' }).status === 0);
}

async function synthetic(work: string) {
  let t = performance.now();
  const model = new ClusteredVectors(DIM, CLUSTERS, { subspace: 32, along: 0.25, isotropic: NOISE });
  const base = model.sample(N, 1);
  const queries = model.sample(QUERIES, 2);
  log(`generated ${N} + ${QUERIES} vectors of ${DIM} dims in ${CLUSTERS} clusters: ${round(seconds(t))} s`);
  const files = { base: join(work, 'base.f32'), queries: join(work, 'queries.f32'), truth: join(work, 'truth.i32') };
  writeFileSync(files.base, base.data);
  writeFileSync(files.queries, queries.data);
  // Plain JavaScript brute force runs at ~0.2-1 G multiply-adds/s here: minutes for 100k x 1000 x 384. With numpy at
  // hand (FAISS needs it anyway) the full ground truth comes from BLAS, checked against our own brute force on a sample.
  const sample = { dim: DIM, count: Math.min(QUERIES, 100), data: queries.data.subarray(0, Math.min(QUERIES, 100) * DIM) };
  t = performance.now();
  const sampleTruth = exactTopK(base, sample, K);
  const exactS = seconds(t);
  log(`exact top-${K} by JavaScript brute force: ${sample.count} queries in ${round(exactS)} s (${round(sample.count / exactS)} queries/s)`);
  const python = SKIP_FAISS ? undefined : findFaissPython();
  let truth: Int32Array;
  if (python) {
    t = performance.now();
    execFileSync(python, [script('exact-topk.py'), files.base, files.queries, files.truth, String(DIM), String(K)], { stdio: ['ignore', 'inherit', 'inherit'] });
    const bytes = readFileSync(files.truth);
    truth = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const agreement = recallAtK(sampleTruth, Array.from({ length: sample.count }, (_, q) => truth.subarray(q * K, (q + 1) * K)), K);
    log(`exact top-${K} by numpy for all ${QUERIES} queries: ${round(seconds(t))} s; agrees with JavaScript on ${round(agreement * 100, 2)}% of the sample`);
    if (agreement < 0.995) throw new Error(`numpy's exact top-${K} disagrees with the JavaScript brute force (${agreement})`);
  } else {
    t = performance.now();
    truth = exactTopK(base, queries, K);
    log(`exact top-${K} by JavaScript brute force for all ${QUERIES} queries: ${round(seconds(t))} s`);
  }

  const dir = join(work, 'hnsw');
  const store = new HnswVectorStore(dir, { m: M, efConstruction: EF_CONSTRUCTION, efSearch: EF_SEARCH, initialCapacity: N });
  await store.onModuleInit();
  const buckets = bucketsOf(N);
  t = performance.now();
  await store.upsert(Array.from({ length: N }, (_, i) => ({ chunk: chunkOf(i, buckets, base.clusters!), vector: row(base, i) })));
  const buildS = seconds(t);
  log(`ours: built (and saved) ${N} in ${round(buildS)} s`);
  t = performance.now();
  const reloaded = new HnswVectorStore(dir, { efSearch: EF_SEARCH });
  await reloaded.onModuleInit();
  const loadS = seconds(t);
  const one = await qps(reloaded, queries, 1);
  const sixteen = await qps(reloaded, queries, 16);
  const ours = {
    buildS: round(buildS, 2),
    loadS: round(loadS, 3),
    qps1: round(one.qps, 1),
    qps16: round(sixteen.qps, 1),
    recallAt10: round(recallAtK(truth, one.found, K), 4),
  };
  log(`ours: reloaded in ${ours.loadS} s; ${ours.qps1} queries/s (1 caller), ${ours.qps16} (16 callers); recall@10 ${ours.recallAt10}`);

  let faiss: Record<string, unknown> | undefined;
  if (!SKIP_FAISS) {
    if (!python) throw new Error('FAISS not found: apt-get install -y python3-faiss python3-numpy (or pass --skip-faiss / --python <path>)');
    const args = [script('faiss-hnsw.py'), files.base, files.queries, files.truth, DIM, K, M, EF_CONSTRUCTION, EF_SEARCH].map(String);
    const out = execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { faissVersion: string; buildS: number; qps: number; recallAt10: number };
    faiss = { version: result.faissVersion, buildS: round(result.buildS, 2), qps1: round(result.qps, 1), recallAt10: round(result.recallAt10, 4) };
    log(`faiss ${result.faissVersion}: built in ${faiss.buildS} s; ${faiss.qps1} queries/s (1 per call); recall@10 ${faiss.recallAt10}`);
    faiss.ratio = { qps: round(one.qps / result.qps, 3), buildTime: round(buildS / result.buildS, 3) };
    log(`ours / faiss: queries/s ×${round(one.qps / result.qps, 3)}, build time ×${round(buildS / result.buildS, 3)}`);
  }
  const filtered = SKIP_FILTERED ? undefined : await filteredSearch(dir, base, queries, buckets, { efSearch: EF_SEARCH, queries: FILTERED_QUERIES, log });
  return { n: N, dim: DIM, queries: QUERIES, clusters: CLUSTERS, noise: NOISE, exactJsQps: round(sample.count / exactS, 1), ours, faiss, filtered };
}

/** The sample knowledge base, cut at headings (and long sections at paragraphs), each chunk titled by its heading path. */
function corpusChunks(dir: string): Array<{ chunk: StoredChunk; embedText: string }> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
  const chunks: Array<{ chunk: StoredChunk; embedText: string }> = [];
  for (const file of files) {
    const markdown = readFileSync(join(dir, file), 'utf8');
    const documentId = `kb:${file}`;
    const docTitle = /^#\s+(.+)$/m.exec(markdown)?.[1] ?? file;
    let heading = docTitle;
    let position = 0;
    const flush = (text: string) => {
      if (text.trim().length < 40) return;
      const title = heading === docTitle ? docTitle : `${docTitle} › ${heading}`;
      const chunk = { chunkId: `${documentId}#${position}`, documentId, collectionId: 'default', title, source: relative(process.cwd(), join(dir, file)), position: position++, text };
      chunks.push({ chunk, embedText: `${title}\n${text}` });
    };
    for (const section of markdown.split(/^(?=#{1,6}\s)/m)) {
      heading = /^#{1,6}\s+(.+)$/m.exec(section)?.[1] ?? heading;
      let piece = '';
      for (const paragraph of section.split(/\n\s*\n/)) {
        if (piece.length + paragraph.length > 1200) {
          flush(piece);
          piece = '';
        }
        piece += `${paragraph}\n\n`;
      }
      flush(piece);
    }
  }
  return chunks;
}

async function corpus(work: string) {
  const env = readEnvironment();
  const kbDir = env.KNOWLEDGE_BASE_DIR ?? './docs';
  const items = corpusChunks(kbDir);
  if (items.length === 0) throw new Error(`no Markdown chunks under ${kbDir} (KNOWLEDGE_BASE_DIR)`);
  const embedder = new TransformersJsEmbedder(parseEnv(embeddingsConfigSchema, env));
  await embedder.onModuleInit();
  let t = performance.now();
  const vectors: Float32Array[] = [];
  for (let i = 0; i < items.length; i += 32) vectors.push(...(await embedder.embed(items.slice(i, i + 32).map((c) => c.embedText))));
  const titles = [...new Set(items.map((c) => c.chunk.title))];
  const queryVectors: Float32Array[] = [];
  for (let i = 0; i < titles.length; i += 32) queryVectors.push(...(await embedder.embed(titles.slice(i, i + 32))));
  await embedder.onModuleDestroy(); // its worker thread would keep the process alive
  log(`corpus: ${items.length} chunks of ${kbDir}, ${titles.length} title queries, embedded in ${round(seconds(t))} s`);

  const asSet = (vs: Float32Array[]): VectorSet => {
    const data = new Float32Array(vs.length * vs[0].length);
    vs.forEach((v, i) => data.set(v, i * v.length));
    return { dim: vs[0].length, count: vs.length, data };
  };
  const base = asSet(vectors);
  const queries = asSet(queryVectors);
  const truth = exactTopK(base, queries, K);
  const withIds = vectors.map((vector, i) => ({ chunk: { ...items[i].chunk, chunkId: String(i) }, vector }));
  const exact = new ExactVectorStore(join(work, 'corpus-exact.json'));
  await exact.onModuleInit();
  await exact.upsert(withIds);
  const hnsw = new HnswVectorStore(join(work, 'corpus-hnsw'), { m: M, efConstruction: EF_CONSTRUCTION, efSearch: EF_SEARCH });
  await hnsw.onModuleInit();
  t = performance.now();
  await hnsw.upsert(withIds);
  const buildS = seconds(t);
  const exactRun = await qps(exact, queries, 1);
  const hnswRun = await qps(hnsw, queries, 1);
  const result = {
    chunks: items.length,
    queries: titles.length,
    exact: { qps1: round(exactRun.qps, 1), recallAt10: round(recallAtK(truth, exactRun.found, K), 4) },
    hnsw: { buildS: round(buildS, 3), qps1: round(hnswRun.qps, 1), recallAt10: round(recallAtK(truth, hnswRun.found, K), 4) },
  };
  log(`corpus: exact ${result.exact.qps1} queries/s (recall ${result.exact.recallAt10}); hnsw ${result.hnsw.qps1} queries/s, recall@10 ${result.hnsw.recallAt10}`);
  return result;
}

async function main() {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'relay-bench-retrieval-'));
  try {
    log(`bench:retrieval: M=${M} efConstruction=${EF_CONSTRUCTION} efSearch=${EF_SEARCH}, one thread each`);
    const vectors = await synthetic(work);
    const sample = SKIP_CORPUS ? undefined : await corpus(work);
    const report = { bench: 'retrieval', m: M, efConstruction: EF_CONSTRUCTION, efSearch: EF_SEARCH, k: K, threads: 1, synthetic: vectors, corpus: sample, totalS: round(seconds(started), 1) };
    log(`total ${report.totalS} s`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  log(`bench:retrieval failed: ${err.message}`);
  process.exit(1);
});
