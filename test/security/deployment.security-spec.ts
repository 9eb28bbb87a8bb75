import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Finding 10: docker-compose published Kafka's PLAINTEXT listener on every host interface (`29092:29092`): anyone on
// the network could read every chat or write answers into any session. Finding 2's safe default (listen on
// localhost) means the container images must say HOST=0.0.0.0 themselves, and publish ports on 127.0.0.1 only.

const ROOT = join(__dirname, '../..');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

/** Every `- "…"` line of every `ports:` list in the compose file. */
function publishedPorts(): string[] {
  const out: string[] = [];
  let inPorts = false;
  let indent = 0;
  for (const line of compose.split('\n')) {
    const key = /^(\s*)ports:\s*$/.exec(line);
    if (key) {
      inPorts = true;
      indent = key[1].length;
      continue;
    }
    if (!inPorts) continue;
    const item = /^(\s*)-\s*"?([^"#]+?)"?\s*(#.*)?$/.exec(line);
    if (item && item[1].length > indent) out.push(item[2]);
    else if (line.trim() && !line.trim().startsWith('#')) inPorts = false;
  }
  return out;
}

describe('finding 10: docker-compose publishes nothing on every interface', () => {
  it('finds the published ports (the parser works)', () => {
    expect(publishedPorts().length).toBeGreaterThanOrEqual(2);
  });

  it('binds every published port to the loopback interface, or to an address the operator sets on purpose', () => {
    for (const port of publishedPorts()) expect([port, /^(127\.0\.0\.1|\$\{RELAY_PUBLISH_ADDRESS:-127\.0\.0\.1\}):/.test(port)]).toEqual([port, true]);
  });

  it('publishes Kafka’s host listener on 127.0.0.1 only', () => {
    expect(publishedPorts().filter((p) => p.endsWith(':29092'))).toEqual(['127.0.0.1:29092:29092']);
  });

  it('sets HOST=0.0.0.0 explicitly in the image and for every Relay service, since the default is now localhost', () => {
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^ENV HOST=0\.0\.0\.0$/m);
    const services = compose.split(/\n  (?=[a-z-]+:\n)/).filter((s) => /command: \["node", "dist\/apps\//.test(s));
    expect(services.length).toBe(4);
    for (const service of services) expect(service).toMatch(/HOST: 0\.0\.0\.0/);
  });
});
