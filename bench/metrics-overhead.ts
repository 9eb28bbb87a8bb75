import type { CommonConfig } from '@relay/config';
import { RelayMetrics } from '@relay/observability';
import { createInProcessTransport } from '@relay/transport';
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
  };
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
  result.ratios = { hopPerSec: ratio(result.hopPerSec), queriesPerSec: ratio(result.queriesPerSec), cpuMsPerQuery: ratio(result.cpuMsPerQuery) };
  return result;
}
