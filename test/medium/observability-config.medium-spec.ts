import { RelayMetrics } from '@relay/observability';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// deploy/observability as code: the alerting rules pass promtool (syntax and their unit tests), the Prometheus
// config is valid, and every relay_ metric the rules and the Grafana dashboard query is one the apps register.
const DIR = join(__dirname, '../../deploy/observability');
const RULES = join(DIR, 'alerts.rules.yml');
const DASHBOARD = join(DIR, 'grafana/dashboards/relay.json');

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error("promtool not found: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Every series name the apps can expose: each metric, and a histogram's _bucket, _sum and _count. */
function registeredSeriesNames(): Set<string> {
  const metrics = new RelayMetrics();
  metrics.registry.collectProcessMetrics();
  metrics.observeGenerationQueue(() => ({ busy: 0, waiting: 0 }));
  metrics.observeGateway(() => ({ sockets: 0, answersInFlight: 0 }));
  metrics.observeTransportQueue(() => []);
  metrics.observeConsumerLag(async () => []);
  metrics.observeReadiness(() => []);
  const names = new Set<string>();
  for (const metric of metrics.registry.registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

const relayNamesIn = (text: string): string[] => [...new Set(text.match(/\brelay_[a-z0-9_]+/g) ?? [])];

describe('deploy/observability', () => {
  it('has alerting rules that pass promtool check rules and their promtool unit tests', () => {
    expect(promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool('test', 'rules', join(DIR, 'alerts.test.yml'))).toMatch(/SUCCESS/);
  });

  it('has a Prometheus config that promtool accepts', () => {
    // The config names the rules where the compose service mounts them; check a copy that points at the repo's file.
    const dir = mkdtempSync(join(tmpdir(), 'relay-prom-'));
    const config = readFileSync(join(DIR, 'prometheus.yml'), 'utf8').replace('/etc/prometheus/alerts.rules.yml', RULES);
    writeFileSync(join(dir, 'prometheus.yml'), config);
    expect(promtool('check', 'config', join(dir, 'prometheus.yml'))).toMatch(/SUCCESS/);
  });

  it('queries only metrics the apps register, in the rules and in every dashboard panel', () => {
    const registered = registeredSeriesNames();
    const rules = relayNamesIn(readFileSync(RULES, 'utf8'));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const panelExprs = dashboard.panels.filter((p) => p.type !== 'row').flatMap((p) => p.targets ?? []).map((t) => t.expr);
    const queried = relayNamesIn(panelExprs.join('\n'));
    expect(rules.length).toBeGreaterThanOrEqual(6);
    expect(queried.length).toBeGreaterThanOrEqual(15);
    expect(rules.filter((name) => !registered.has(name))).toEqual([]);
    expect(queried.filter((name) => !registered.has(name))).toEqual([]);
    // Every panel queries something.
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.targets?.length).toBeGreaterThan(0);
  });
});
