import 'reflect-metadata';
import { parseEnv, readEnvironment } from '@relay/config';
import { embeddingsConfigSchema, TransformersJsEmbedder } from '@relay/embeddings';
import { DEFAULT_COLLECTION_ID } from '@relay/contracts';
import { Bm25KeywordIndex, ndcgAt, pairedRandomizationTest, recallAt, reciprocalRankAt } from '@relay/retrieval';
import { ExactVectorStore } from '@relay/vector-store';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipelineConfigSchema } from '../apps/pipeline/src/pipeline.config';
import { Retriever, RetrieverOptions } from '../apps/pipeline/src/retriever/retriever';
import { retrieverOptions } from '../apps/pipeline/src/retriever/retriever-options';
import { loadBeirDataset } from './retrieval-eval/beir-dataset';
import { cachedEmbeddings, embeddingCacheKey } from './retrieval-eval/embedding-cache';
import { percentile, round } from './stats';

// npm run eval:retrieval [-- --dataset ../shared/data/scifact --cache .cache/eval --bm25-k1 0.9 --bm25-b 0.4]
// Retrieval quality of the pipeline's own Retriever on a BEIR data set: recall@5, MRR@10, nDCG@10 for BM25 only,
// vector only, hybrid (RRF) and hybrid + each re-ranker. Document-level: each document is indexed as one chunk
// (SciFact's are single abstracts), so a retrieved chunk is a retrieved document. The last line is one JSON object.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const DEPTH = 10;

async function main(): Promise<void> {
  const started = performance.now();
  const dataset = loadBeirDataset(arg('dataset', '../shared/data/scifact'));
  log(`dataset ${dataset.folder}: ${dataset.corpus.length} documents, ${dataset.queries.length} judged queries (checksums OK)`);

  // The product's configuration (defaults, overridable by the environment), as the pipeline's retriever stage reads it.
  const env = readEnvironment();
  const config = parseEnv(pipelineConfigSchema, {
    ...env,
    ...(process.argv.includes('--bm25-k1') && { RETRIEVER_BM25_K1: arg('bm25-k1', '') }),
    ...(process.argv.includes('--bm25-b') && { RETRIEVER_BM25_B: arg('bm25-b', '') }),
  });
  const embeddingsConfig = parseEnv(embeddingsConfigSchema, { ...env, EMBEDDINGS_PROVIDER: 'transformers-js' });
  const embedder = new TransformersJsEmbedder(embeddingsConfig);
  await embedder.onModuleInit();

  const modelDir = resolve(embeddingsConfig.EMBEDDINGS_MODEL_DIR, embeddingsConfig.EMBEDDINGS_MODEL);
  const key = embeddingCacheKey([
    embeddingsConfig.EMBEDDINGS_MODEL,
    readFileSync(join(modelDir, 'onnx', 'model_quantized.onnx')),
    readFileSync(join(modelDir, 'tokenizer_config.json')),
    dataset.fingerprint,
    'title\\ntext v1',
  ]);
  const embedStarted = performance.now();
  const docVectors = await cachedEmbeddings(
    embedder,
    dataset.corpus.map((d) => `${d.title}\n${d.text}`),
    { dir: arg('cache', '.cache/eval'), key, batchSize: 32, onProgress: (n) => n % 640 === 0 && log(`embedded ${n}/${dataset.corpus.length}`) },
  );
  const corpusEmbedSeconds = round((performance.now() - embedStarted) / 1000, 1);
  log(`corpus vectors ready in ${corpusEmbedSeconds} s (cache key ${key})`);
  const queryVectors = await embedder.embed(dataset.queries.map((q) => q.text));
  await embedder.onModuleDestroy(); // its worker thread would keep the process alive

  const work = mkdtempSync(join(tmpdir(), 'relay-eval-'));
  try {
    const store = new ExactVectorStore(join(work, 'vectors', 'index.json'));
    const keywords = new Bm25KeywordIndex(join(work, 'keyword', 'index.json'), { k1: config.RETRIEVER_BM25_K1, b: config.RETRIEVER_BM25_B });
    await Promise.all([store.onModuleInit(), keywords.onModuleInit()]);
    const chunks = dataset.corpus.map((d) => ({ chunkId: d.id, documentId: d.id, collectionId: DEFAULT_COLLECTION_ID, title: d.title, source: `${d.id}`, position: 0, text: d.text }));
    await store.upsert(chunks.map((chunk, i) => ({ chunk, vector: docVectors[i] })));
    await keywords.upsert(chunks);

    // Same Retriever as the pipeline, product options, top 10 for the @10 measures and no relevance floor so the
    // four methods rank the same candidates (the floor's effect is reported on its own line).
    const product = { ...retrieverOptions(config), topK: DEPTH, minScore: -1 };
    const methods: Array<[string, RetrieverOptions]> = [
      ['bm25', { ...product, vectorCandidates: 0, reranker: 'none' }],
      ['vector', { ...product, keywordCandidates: 0, reranker: 'none' }],
      ['hybrid', { ...product, reranker: 'none' }],
      ['hybrid+convex', { ...product, reranker: 'convex' }],
      ['hybrid+mmr', { ...product, reranker: 'mmr' }],
      [`hybrid+${config.RETRIEVER_RERANKER}, floor ${config.RETRIEVER_MIN_SCORE}`, { ...product, minScore: config.RETRIEVER_MIN_SCORE }],
    ];
    const results: Record<string, { recall5: number; mrr10: number; ndcg10: number; p50Ms: number }> = {};
    const perQueryNdcg: Record<string, number[]> = {};
    for (const [name, options] of methods) {
      const retriever = new Retriever(store, keywords, options);
      const sums = { recall5: 0, mrr10: 0, ndcg10: 0 };
      const latencies: number[] = [];
      perQueryNdcg[name] = [];
      for (const [i, query] of dataset.queries.entries()) {
        const t = performance.now();
        const ranking = (await retriever.retrieve({ text: query.text, vector: queryVectors[i], scope: { collectionIds: [DEFAULT_COLLECTION_ID], excludedDocumentIds: [] } })).map((c) => c.documentId);
        latencies.push(performance.now() - t);
        const judged = dataset.qrels.get(query.id)!;
        sums.recall5 += recallAt(ranking, judged, 5);
        sums.mrr10 += reciprocalRankAt(ranking, judged, 10);
        perQueryNdcg[name].push(ndcgAt(ranking, judged, 10));
        sums.ndcg10 += perQueryNdcg[name][i];
      }
      const n = dataset.queries.length;
      results[name] = { recall5: round(sums.recall5 / n, 4), mrr10: round(sums.mrr10 / n, 4), ndcg10: round(sums.ndcg10 / n, 4), p50Ms: round(percentile(latencies, 50), 2) };
    }

    console.log(`\nRetrieval quality on ${dataset.folder} (${dataset.queries.length} queries, ${dataset.corpus.length} documents)`);
    console.log(`vector candidates ${product.vectorCandidates}, keyword candidates ${product.keywordCandidates}, RRF k ${product.rrfK}, BM25 k1 ${config.RETRIEVER_BM25_K1} b ${config.RETRIEVER_BM25_B}, convex alpha ${product.convexAlpha}, MMR lambda ${product.mmrLambda}`);
    console.log('| method | recall@5 | MRR@10 | nDCG@10 | p50 ms/query |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${r.recall5.toFixed(4)} | ${r.mrr10.toFixed(4)} | ${r.ndcg10.toFixed(4)} | ${r.p50Ms} |`);
    // Is the product's method better than each single method by more than chance? Paired over the same queries.
    const defaultMethod = `hybrid+${config.RETRIEVER_RERANKER}`;
    const significance: Record<string, number> = {};
    if (perQueryNdcg[defaultMethod]) {
      for (const other of ['bm25', 'vector', 'hybrid']) significance[`${defaultMethod} vs ${other}`] = round(pairedRandomizationTest(perQueryNdcg[defaultMethod], perQueryNdcg[other]), 4);
      console.log(`nDCG@10 paired randomization test, two-sided p: ${Object.entries(significance).map(([k, p]) => `${k} ${p}`).join('; ')}`);
    }
    const seconds = round((performance.now() - started) / 1000, 1);
    console.log(`total ${seconds} s (corpus embedding ${corpusEmbedSeconds} s)`);
    console.log(
      JSON.stringify({
        dataset: dataset.folder,
        queries: dataset.queries.length,
        documents: dataset.corpus.length,
        config: { ...product, defaultReranker: config.RETRIEVER_RERANKER, bm25: { k1: config.RETRIEVER_BM25_K1, b: config.RETRIEVER_BM25_B } },
        results,
        significance,
        seconds,
        corpusEmbedSeconds,
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`eval:retrieval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
