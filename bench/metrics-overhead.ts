import type { CommonConfig } from '@relay/config';
import { CORRELATION_HEADER, createEnvelope, TOPICS } from '@relay/contracts';
import { RelayMetrics } from '@relay/observability';
import { createInProcessTransport, RecordDispatcher, TransportRecord } from '@relay/transport';
import { measurePipelineThroughput } from './pipeline-throughput';
import { percentile, round } from './stats';
import { measureTransportOverhead } from './transport-overhead';

type PipelineConfig = Parameters<typeof measurePipelineThroughput>[1];

export interface MetricsOverheadResult {
  rounds: number;
  /** Pipelined records/s of one in-process hop, metrics off and on (each round's figure). */
  hopPerSec: { off: number[]; on: number[] };
  /** Queries/s through pre-processor → prompt builder, and this process's CPU ms per query, metrics off and on. */
  queriesPerSec: { off: number[]; on: number[] };
  cpuMsPerQuery: { off: number[]; on: number[] };
  /**
   * The precise figure: CPU µs per record of the RecordDispatcher alone (parse, validate, hand to a handler that
   * does nothing), metrics off and on, in many short alternating rounds; `addedUs` is the median difference, and
   * `shareOfPipelineCpu` that cost for every stage a query passes through, over the pipeline's CPU per query.
   */
  dispatch: { offUs: number; onUs: number; addedUs: number; stagesPerQuery: number; shareOfPipelineCpu: number };
  /** Medians, on ÷ off: throughput ratios (1 = free, 0.98 = 2 % slower) and the CPU ratio (1.02 = 2 % more CPU). */
  ratios: { hopPerSec: number; queriesPerSec: number; cpuMsPerQuery: number };
}

/**
 * What metrics cost: the same in-process transport hop and the same pipeline run with RelayMetrics recording and
 * with it disabled (every instrument a no-op), alternating off/on and on/off by round so that a drift in the
 * machine's load falls on both alike. Medians of the rounds are compared.
 */
export async function measureMetricsOverhead(common: CommonConfig, config: PipelineConfig, options: { rounds: number; hops: number; queries: number; sessions: number; questions: string[] }): Promise<MetricsOverheadResult> {
  const result: MetricsOverheadResult = {
    rounds: options.rounds,
    hopPerSec: { off: [], on: [] },
    queriesPerSec: { off: [], on: [] },
    cpuMsPerQuery: { off: [], on: [] },
    ratios: { hopPerSec: 0, queriesPerSec: 0, cpuMsPerQuery: 0 },
    dispatch: { offUs: 0, onUs: 0, addedUs: 0, stagesPerQuery: STAGES_PER_QUERY, shareOfPipelineCpu: 0 },
  };
  const dispatch = await dispatchCpuUs(DISPATCH_ROUNDS, DISPATCH_RECORDS);
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const metrics = () => new RelayMetrics({ enabled: mode === 'on' });
      const hop = await measureTransportOverhead(createInProcessTransport(common, undefined, metrics()), options.hops);
      result.hopPerSec[mode].push(hop.pipelinedPerSec);
      const pipeline = await measurePipelineThroughput(createInProcessTransport(common, undefined, metrics()), config, options.queries, options.sessions, options.questions);
      result.queriesPerSec[mode].push(pipeline.queriesPerSec);
      result.cpuMsPerQuery[mode].push(pipeline.cpuMsPerQuery.pipeline);
    }
  }
  const ratio = (series: { off: number[]; on: number[] }) => round(percentile(series.on, 50) / percentile(series.off, 50), 4);
  const offUs = percentile(dispatch.off, 50);
  const onUs = percentile(dispatch.on, 50);
  const addedUs = percentile(dispatch.on.map((on, i) => on - dispatch.off[i]), 50);
  const pipelineCpuUs = percentile([...result.cpuMsPerQuery.off, ...result.cpuMsPerQuery.on], 50) * 1000;
  result.dispatch = { offUs: round(offUs, 3), onUs: round(onUs, 3), addedUs: round(addedUs, 3), stagesPerQuery: STAGES_PER_QUERY, shareOfPipelineCpu: round((addedUs * STAGES_PER_QUERY) / pipelineCpuUs, 5) };
  result.ratios = { hopPerSec: ratio(result.hopPerSec), queriesPerSec: ratio(result.queriesPerSec), cpuMsPerQuery: ratio(result.cpuMsPerQuery) };
  return result;
}

// Pre-processor, embedder, retriever, prompt builder: the records a query costs the pipeline.
const STAGES_PER_QUERY = 4;
const DISPATCH_ROUNDS = 30;
const DISPATCH_RECORDS = 5_000;

/** CPU µs per record through a RecordDispatcher to a handler that does nothing, per round, metrics off and on alternately. */
async function dispatchCpuUs(rounds: number, records: number): Promise<{ off: number[]; on: number[] }> {
  const envelope = createEnvelope({ sessionId: 'bench-session', payload: { type: 'cancel' as const } });
  const record: TransportRecord = {
    topic: TOPICS.control,
    key: envelope.sessionId,
    value: JSON.stringify({ ...envelope, sentAt: Date.now() }),
    headers: { [CORRELATION_HEADER]: envelope.correlationId },
  };
  const target = { stage: 'bench-stage', handle: async () => undefined };
  const quiet = { warn: () => undefined, error: () => undefined };
  const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
  const dispatchers = {
    off: new RecordDispatcher(retry, async () => undefined, quiet, new RelayMetrics({ enabled: false })),
    on: new RecordDispatcher(retry, async () => undefined, quiet, new RelayMetrics()),
  };
  const result = { off: [] as number[], on: [] as number[] };
  for (let r = -1; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const start = process.cpuUsage();
      for (let i = 0; i < records; i++) await dispatchers[mode].dispatch(record, target);
      const used = process.cpuUsage(start);
      // Round -1 warms both up (JIT) and is not counted.
      if (r >= 0) result[mode].push((used.user + used.system) / records);
    }
  }
  return result;
}
