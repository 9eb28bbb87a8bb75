import type { CommonConfig } from '@relay/config';
import { CORRELATION_HEADER, createEnvelope, TOPICS, TRACEPARENT_HEADER } from '@relay/contracts';
import { activeTraceparent, markTracingEnabled, startTracing } from '@relay/observability';
import { createInProcessTransport, RecordDispatcher, TransportRecord } from '@relay/transport';
import { ChildProcess, spawn } from 'node:child_process';
import { measurePipelineThroughput } from './pipeline-throughput';
import { percentile, round } from './stats';

type PipelineConfig = Parameters<typeof measurePipelineThroughput>[1];

export interface TracingOverheadResult {
  rounds: number;
  /**
   * CPU µs per record of the RecordDispatcher with a handler that reads the trace context as a publish does:
   * tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset: the helpers return at once) and on (a span per record, exported
   * over OTLP/HTTP to a receiver in another process; the export's serialization is inside the measured CPU).
   */
  dispatch: { offUs: number; onUs: number; addedUs: number; stagesPerQuery: number; shareOfPipelineCpu: number };
  /** Queries/s through pre-processor → prompt builder and this process's CPU ms per query, tracing off and on. */
  queriesPerSec: { off: number[]; on: number[] };
  cpuMsPerQuery: { off: number[]; on: number[] };
  ratios: { queriesPerSec: number; cpuMsPerQuery: number };
  /** Spans the receiver decoded: proof the "on" figures include a working export. */
  spansExported: number;
}

// Pre-processor, embedder, retriever, prompt builder: the records a query costs the pipeline.
const STAGES_PER_QUERY = 4;
const DISPATCH_ROUNDS = 30;
// Under the batch processor's queue (2048): no span is dropped, every one is serialized and sent within the round.
const DISPATCH_RECORDS = 2_000;

/**
 * What tracing costs, in one process with one provider exporting to a real OTLP/HTTP receiver (a child process, so
 * its decoding is not counted): "off" is what a process without OTEL_EXPORTER_OTLP_ENDPOINT runs (the helpers'
 * enabled flag down), "on" every record traced and exported. Rounds alternate off/on and on/off, so a drift in the
 * machine's load falls on both alike; medians are compared.
 */
export async function measureTracingOverhead(common: CommonConfig, config: PipelineConfig, options: { rounds: number; queries: number; sessions: number; questions: string[] }): Promise<TracingOverheadResult> {
  const receiver = await OtlpSink.start();
  const tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'relay-bench', OTEL_TRACES_SAMPLER_ARG: 1 }, 'bench');
  try {
    const dispatch = await dispatchCpuUs(() => tracing.forceFlush());
    const result: TracingOverheadResult = {
      rounds: options.rounds,
      dispatch: { offUs: 0, onUs: 0, addedUs: 0, stagesPerQuery: STAGES_PER_QUERY, shareOfPipelineCpu: 0 },
      queriesPerSec: { off: [], on: [] },
      cpuMsPerQuery: { off: [], on: [] },
      ratios: { queriesPerSec: 0, cpuMsPerQuery: 0 },
      spansExported: 0,
    };
    for (let r = 0; r < options.rounds; r++) {
      for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        markTracingEnabled(mode === 'on');
        const pipeline = await measurePipelineThroughput(createInProcessTransport(common), config, options.queries, options.sessions, options.questions);
        result.queriesPerSec[mode].push(pipeline.queriesPerSec);
        result.cpuMsPerQuery[mode].push(pipeline.cpuMsPerQuery.pipeline);
      }
    }
    markTracingEnabled(true);
    await tracing.forceFlush();
    const ratio = (series: { off: number[]; on: number[] }) => round(percentile(series.on, 50) / percentile(series.off, 50), 4);
    const addedUs = percentile(dispatch.on.map((on, i) => on - dispatch.off[i]), 50);
    const pipelineCpuUs = percentile(result.cpuMsPerQuery.off, 50) * 1000;
    result.dispatch = {
      offUs: round(percentile(dispatch.off, 50), 3),
      onUs: round(percentile(dispatch.on, 50), 3),
      addedUs: round(addedUs, 3),
      stagesPerQuery: STAGES_PER_QUERY,
      shareOfPipelineCpu: round((addedUs * STAGES_PER_QUERY) / pipelineCpuUs, 5),
    };
    result.ratios = { queriesPerSec: ratio(result.queriesPerSec), cpuMsPerQuery: ratio(result.cpuMsPerQuery) };
    result.spansExported = await receiver.spanCount();
    return result;
  } finally {
    await tracing.shutdown();
    receiver.stop();
  }
}

/** CPU µs per record through a RecordDispatcher, tracing off and on alternately; "on" rounds include their export. */
async function dispatchCpuUs(flush: () => Promise<void>): Promise<{ off: number[]; on: number[] }> {
  const envelope = createEnvelope({ sessionId: 'bench-session', payload: { type: 'cancel' as const } });
  const record: TransportRecord = {
    topic: TOPICS.control,
    key: envelope.sessionId,
    value: JSON.stringify({ ...envelope, sentAt: Date.now() }),
    // As a traced publisher sends it: the stage's span continues this trace.
    headers: { [CORRELATION_HEADER]: envelope.correlationId, [TRACEPARENT_HEADER]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };
  // What a stage's publish adds: reading the active span's context for the next record.
  const target = { stage: 'bench-stage', handle: async () => void activeTraceparent() };
  const dispatcher = new RecordDispatcher({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, async () => undefined, { warn: () => undefined, error: () => undefined });
  const result = { off: [] as number[], on: [] as number[] };
  for (let r = -1; r < DISPATCH_ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      markTracingEnabled(mode === 'on');
      const start = process.cpuUsage();
      for (let i = 0; i < DISPATCH_RECORDS; i++) await dispatcher.dispatch(record, target);
      if (mode === 'on') await flush();
      const used = process.cpuUsage(start);
      // Round -1 warms both up (JIT) and is not counted.
      if (r >= 0) result[mode].push((used.user + used.system) / DISPATCH_RECORDS);
    }
  }
  markTracingEnabled(true);
  return result;
}

// The receiver runs in its own process: decoding the spans is the back end's CPU, not Relay's.
const SINK = `
const http = require('node:http');
let spans = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') return res.end(String(spans));
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    try {
      for (const rs of JSON.parse(Buffer.concat(parts).toString()).resourceSpans || []) for (const ss of rs.scopeSpans || []) spans += (ss.spans || []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch { res.writeHead(400).end(); }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** A minimal OTLP/HTTP JSON receiver in a child process that counts the spans it decodes. */
class OtlpSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(): Promise<OtlpSink> {
    const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.stdout!.once('data', (d) => resolve(new OtlpSink(child, `http://127.0.0.1:${String(d).trim()}`)));
    });
  }

  async spanCount(): Promise<number> {
    return Number(await (await fetch(`${this.url}/count`)).text());
  }

  stop(): void {
    this.child.kill();
  }
}
