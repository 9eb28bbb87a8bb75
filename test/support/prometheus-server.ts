import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/prometheus.mjs');

/** One series of an instant query's answer. */
export interface PromResult {
  metric: Record<string, string>;
  value: number;
}

export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

export interface PromRuleGroup {
  name: string;
  rules: Array<{ name: string; type: string; health: string; lastError?: string }>;
}

/**
 * A real Prometheus (Debian's package, through scripts/prometheus.mjs) on a free port with a data folder of its own,
 * scraping the given `[job=]host:port` targets and evaluating deploy/observability's alerting rules.
 */
export class PrometheusServer {
  /** Every server this test file started and has not stopped (test/support/stop-strays.ts stops them after it). */
  private static readonly started = new Set<PrometheusServer>();

  private constructor(
    readonly url: string,
    private readonly home: string,
  ) {}

  static start(targets: string[], scrapeInterval = '1s'): PrometheusServer {
    const home = mkdtempSync(join(tmpdir(), 'relay-prometheus-'));
    const out = execFileSync(process.execPath, [SCRIPT, 'start', ...targets], {
      env: { ...process.env, PROMETHEUS_CACHE_DIR: home, PROMETHEUS_PORT: 'auto', PROMETHEUS_SCRAPE_INTERVAL: scrapeInterval },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    const line = out.split('\n').find((l) => l.startsWith('PROMETHEUS_URL='));
    if (!line) throw new Error(`scripts/prometheus.mjs start printed no PROMETHEUS_URL line:\n${out}`);
    const server = new PrometheusServer(line.slice('PROMETHEUS_URL='.length).trim(), home);
    PrometheusServer.started.add(server);
    return server;
  }

  static stopAll(): void {
    for (const server of [...PrometheusServer.started]) server.stop();
  }

  stop(): void {
    PrometheusServer.started.delete(this);
    execFileSync(process.execPath, [SCRIPT, 'stop', '--clean'], { env: { ...process.env, PROMETHEUS_CACHE_DIR: this.home }, stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(this.home, { recursive: true, force: true });
  }

  private async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus /api/v1/${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** An instant PromQL query (GET /api/v1/query): each series with its value. */
  async query(promql: string): Promise<PromResult[]> {
    const data = await this.api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(promql)}`);
    if (data.resultType !== 'vector') throw new Error(`${promql}: a ${data.resultType}, not an instant vector`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The value of a query that yields one series (e.g. a sum), or undefined while it yields none. */
  async scalar(promql: string): Promise<number | undefined> {
    const result = await this.query(promql);
    if (result.length > 1) throw new Error(`${promql}: ${result.length} series, expected one`);
    return result[0]?.value;
  }

  /**
   * Polls `promql` until `accept` holds for its value (scrapes and the consumer-lag cache lag behind what happened);
   * returns the last value either way, so the test's expectation shows what was seen.
   */
  async waitForValue(promql: string, accept: (value: number | undefined) => boolean, timeoutMs = 30_000): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.scalar(promql);
      if (accept(value) || Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async alerts(): Promise<PromAlert[]> {
    return (await this.api<{ alerts: PromAlert[] }>('alerts')).alerts;
  }

  async ruleGroups(): Promise<PromRuleGroup[]> {
    return (await this.api<{ groups: PromRuleGroup[] }>('rules')).groups;
  }

  /** `up` of every target, by job: 1 scraped, 0 not. */
  async targetsUp(): Promise<Record<string, number[]>> {
    const byJob: Record<string, number[]> = {};
    for (const r of await this.query('up')) (byJob[r.metric.job] ??= []).push(r.value);
    return byJob;
  }
}
