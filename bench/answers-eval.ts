import { startEmbeddedRelay, waitReady } from './embedded-relay';
import 'reflect-metadata';
import type { ChatDoneEvent, ChatSourcesEvent, Envelope, RetrievedContext } from '@relay/contracts';
import { TOPICS } from '@relay/contracts';
import { readEnvironment } from '@relay/config';
import { InProcessBroker } from '@relay/transport';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io } from 'socket.io-client';
import { loadRelayConfig } from '../apps/relay/src/relay.config';
import { calibrate, RawAnswer } from './answers-eval/calibration';
import { documentIdOf, EvalSet, loadEvalSet } from './answers-eval/eval-set';
import { factsFound, metricsOf, ScoredAnswer, TABLE_HEADER, tableRow } from './answers-eval/scoring';

// npm run eval:answers [-- --models label=path.gguf,label=path.gguf --only id,id --split A|B --max-tokens 160
//                        --calibrate --from .cache/answers-eval/<file>.json[,<file>…] --rescore --details
//                        --out .cache/answers-eval --set <folder>]
// Grounded question answering end to end: the embedded app (real embedder, hybrid retrieval, prompt builder,
// LLM worker with the real model) indexes bench/answers-eval/documents as its knowledge base, and each question is
// asked over Socket.IO in a session of its own. Scores per model: fact accuracy, the right source marked (precision
// and recall), abstention on unanswerable questions and false abstention on answerable ones, loops, time to first
// token, tokens/s. --calibrate turns the relevance gate off (every question reaches the model) and then picks the
// gate's and the attribution's thresholds on each half of the set and reports them on the other (2-fold). --from
// scores saved runs again without running any model (--rescore calibrates a run made with the gate on, too: it can
// then only raise the gate's thresholds); --details prints every answer. The last line is one JSON object.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const DEFAULT_MODELS = [
  'qwen2.5-coder-0.5b=models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf',
  'qwen2.5-coder-1.5b=models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
  'smollm2-135m=models/SmolLM2-135M-Instruct.Q4_1.gguf',
].join(',');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface ModelRun {
  label: string;
  path: string;
  gate: boolean;
  maxSentences: number;
  maxSources: number;
  config: Record<string, unknown>;
  raw: RawAnswer[];
}

async function main(): Promise<void> {
  const set = loadEvalSet(resolve(arg('set', resolve(__dirname, '../../bench/answers-eval'))));
  const only = arg('only', '').split(',').filter(Boolean);
  const split = arg('split', '');
  const questions = set.questions.filter((q) => (only.length === 0 || only.includes(q.id)) && (!split || q.split === split));
  const outDir = arg('out', '.cache/answers-eval');
  const calibrating = process.argv.includes('--calibrate');

  let runs: ModelRun[];
  const from = arg('from', '');
  if (from) {
    runs = from.split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')) as ModelRun);
  } else {
    runs = [];
    for (const entry of arg('models', DEFAULT_MODELS).split(',')) {
      const [label, path] = entry.includes('=') ? entry.split('=') : [entry.replace(/^.*\//, '').replace(/\.gguf$/, ''), entry];
      if (!existsSync(path)) {
        log(`skipping ${label}: ${path} does not exist`);
        continue;
      }
      const run = await runModel(set, questions, label, path, calibrating);
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}${calibrating ? '-calibration' : ''}.json`);
      writeFileSync(file, JSON.stringify(run));
      log(`saved ${file}`);
      runs.push(run);
    }
  }

  const results: Record<string, unknown> = {};
  console.log(`\n## Grounded answers: ${questions.length} questions over ${set.documents.length} made-up documents`);
  console.log(TABLE_HEADER);
  for (const run of runs) {
    const scored = run.raw.filter((r) => questions.some((q) => q.id === r.id)).map(toScored);
    const m = metricsOf(scored);
    console.log(tableRow(`${run.label}${run.gate ? '' : ' (gate off)'}`, m));
    results[run.label] = { config: run.config, all: m, A: metricsOf(scored.filter((s) => s.split === 'A')), B: metricsOf(scored.filter((s) => s.split === 'B')) };
  }
  for (const run of runs) {
    const raw = run.raw.filter((r) => questions.some((q) => q.id === r.id));
    if (!run.gate || process.argv.includes('--rescore')) {
      const folds = calibrate(raw, run.maxSentences, run.maxSources ?? Number(run.config.PROMPT_MAX_SOURCES));
      console.log(`\n### ${run.label}: thresholds calibrated on one half of the set, reported on the other (2-fold)`);
      console.log(TABLE_HEADER);
      for (const c of folds) {
        const other = c.fitOn === 'A' ? 'B' : 'A';
        const t = `RELEVANCE_MIN_SCORE=${c.chosen.minScore} RELEVANCE_MIN_COVERAGE=${c.chosen.minCoverage} ATTRIBUTION_MIN_SUPPORT=${c.chosen.minSupport}, on topic ${c.chosen.minOnTopic}`;
        console.log(tableRow(`fit on ${c.fitOn} (${t})`, c.onFit));
        console.log(tableRow(`→ held-out ${other}`, c.heldOut));
      }
      (results[run.label] as Record<string, unknown>).calibration = folds;
    }
  }
  if (process.argv.includes('--details')) for (const run of runs) printDetails(run, questions.map((q) => q.id));
  console.log(JSON.stringify({ eval: 'answers', questions: questions.length, documents: set.documents.length, results }));
  process.exit(0);
}

function toScored(r: RawAnswer): ScoredAnswer {
  const { retrieved: _r, sources: _s, done, question: _q, ...rest } = r;
  return { ...rest, citedDocuments: [...new Set(done.citations.filter((c) => c.cited).map((c) => c.documentId))] };
}

/** The embedded app with this model, asked every question in a fresh session, one after another. */
async function runModel(set: EvalSet, questions: EvalSet['questions'], label: string, path: string, calibrating: boolean): Promise<ModelRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-answers-eval-'));
  const env = {
    ...readEnvironment(),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    AUTH_SECRET: 'answers-eval-secret-answers-eval-secret',
    KNOWLEDGE_BASE_DIR: set.documentsDir,
    SEED_KNOWLEDGE_BASE: 'true',
    LLM_MODEL_PATH: path,
    LLM_MAX_TOKENS: arg('max-tokens', readEnvironment().LLM_MAX_TOKENS ?? '160'),
    CHAT_RATE_BURST: '1000',
    ...(calibrating ? { RELEVANCE_GATE: 'false' } : {}),
  };
  const config = loadRelayConfig(env);
  const { app, url } = await startEmbeddedRelay(config);
  const startedAt = performance.now();
  await waitReady(url);
  log(`# ${label} (${path}): ready in ${Math.round(performance.now() - startedAt)} ms; ${questions.length} questions, LLM_MAX_TOKENS=${config.llm.LLM_MAX_TOKENS}, gate ${config.pipeline.RELEVANCE_GATE ? 'on' : 'off'}`);

  // The retriever's output for each message, from a consumer group of our own (the product's groups are untouched).
  const retrieved = new Map<string, RetrievedContext['chunks']>();
  app.get(InProcessBroker).subscribe(TOPICS.retrieved, 'answers-eval-capture', async (record) => {
    const envelope = JSON.parse(record.value) as Envelope<RetrievedContext>;
    retrieved.set(envelope.messageId, envelope.payload.chunks);
  });

  const raw: RawAnswer[] = [];
  for (const [i, q] of questions.entries()) {
    const asked = await ask(url, q.question);
    const done = asked.done;
    const answer: RawAnswer = {
      id: q.id,
      answerable: q.answerable,
      split: q.split,
      question: q.question,
      facts: q.facts,
      expectedDocuments: q.sources.map(documentIdOf),
      text: done.text,
      finishReason: done.finishReason,
      grounding: done.grounding,
      modelAsked: done.finishReason !== 'not_found',
      ttftMs: done.finishReason !== 'not_found' && asked.firstChunkAt ? asked.firstChunkAt - asked.sentAt : null,
      decodeMs: asked.firstChunkAt ? asked.doneAt - asked.firstChunkAt : null,
      completionTokens: done.usage.completionTokens,
      promptTokens: done.usage.promptTokens,
      sourcesMs: asked.sourcesAt ? asked.sourcesAt - asked.sentAt : null,
      retrieved: retrieved.get(asked.messageId) ?? [],
      sources: asked.sources?.sources ?? [],
      done,
    };
    raw.push(answer);
    const scored = toScored(answer);
    log(
      `${String(i + 1).padStart(3)}/${questions.length} ${q.id.padEnd(7)} ${done.finishReason.padEnd(10)} ${String(done.grounding).padEnd(11)} ` +
        `facts ${factsFound(scored)}/${q.facts.length} cited [${scored.citedDocuments.map((d) => d.replace(/^kb:/, '').slice(0, 14)).join(', ')}] ` +
        `ttft ${answer.ttftMs === null ? '—' : Math.round(answer.ttftMs)} ms  ${JSON.stringify(done.text.slice(0, 140))}`,
    );
  }
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  const { pipeline, llm, llmWorker } = config;
  return {
    label,
    path,
    gate: pipeline.RELEVANCE_GATE,
    maxSentences: pipeline.PROMPT_PASSAGE_SENTENCES,
    maxSources: pipeline.PROMPT_MAX_SOURCES,
    config: {
      PROMPT_MAX_SOURCES: pipeline.PROMPT_MAX_SOURCES,
      PROMPT_PASSAGE_SENTENCES: pipeline.PROMPT_PASSAGE_SENTENCES,
      RELEVANCE_GATE: pipeline.RELEVANCE_GATE,
      RELEVANCE_MIN_SCORE: pipeline.RELEVANCE_MIN_SCORE,
      RELEVANCE_MIN_COVERAGE: pipeline.RELEVANCE_MIN_COVERAGE,
      ATTRIBUTION_MIN_SUPPORT: llmWorker.ATTRIBUTION_MIN_SUPPORT,
      RETRIEVER_TOP_K: pipeline.RETRIEVER_TOP_K,
      LLM_MAX_TOKENS: llm.LLM_MAX_TOKENS,
      LLM_THREADS: llm.LLM_THREADS,
      LLM_REPEAT_PENALTY: llm.LLM_REPEAT_PENALTY,
    },
    raw,
  };
}

interface Asked {
  messageId: string;
  sentAt: number;
  sourcesAt: number | null;
  firstChunkAt: number | null;
  doneAt: number;
  sources: ChatSourcesEvent | null;
  done: ChatDoneEvent;
}

async function ask(url: string, text: string): Promise<Asked> {
  const { sessionId, token } = (await (await fetch(`${url}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
  const socket = io(`${url}/chat`, { auth: { token }, transports: ['websocket'] });
  try {
    return await new Promise<Asked>((resolvePromise, reject) => {
      let sentAt = 0;
      let sourcesAt: number | null = null;
      let firstChunkAt: number | null = null;
      let sources: ChatSourcesEvent | null = null;
      let messageId = '';
      socket.on('chat:sources', (e: ChatSourcesEvent) => {
        sourcesAt ??= performance.now();
        sources = e;
      });
      socket.on('chat:chunk', () => (firstChunkAt ??= performance.now()));
      socket.on('chat:error', (e: { code: string; message: string }) => reject(new Error(`chat:error ${e.code}: ${e.message}`)));
      socket.on('chat:done', (done: ChatDoneEvent) => resolvePromise({ messageId: messageId || done.messageId, sentAt, sourcesAt, firstChunkAt, doneAt: performance.now(), sources, done }));
      socket.on('connect', () => {
        sentAt = performance.now();
        socket.emit('chat:send', { sessionId, clientMessageId: 'eval', text }, (ack: { ok: boolean; messageId?: string }) => {
          if (!ack.ok) reject(new Error(`send refused: ${JSON.stringify(ack)}`));
          messageId = ack.messageId ?? '';
        });
      });
    });
  } finally {
    socket.close();
  }
}

function printDetails(run: ModelRun, ids: string[]): void {
  console.log(`\n### ${run.label}: every answer`);
  for (const r of run.raw.filter((x) => ids.includes(x.id))) {
    const s = toScored(r);
    console.log(`- ${r.id} [${r.finishReason}/${r.grounding}] facts ${factsFound(s)}/${r.facts.length}, cited ${s.citedDocuments.join(' ') || '—'}: ${JSON.stringify(r.text)}`);
  }
}


void main().catch((err: unknown) => {
  log(`eval:answers failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
