import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// Finding 4: no Content-Security-Policy, X-Content-Type-Options or frame-ancestors, and `X-Powered-By: Express`.

describe('finding 4: security headers on every HTTP response', () => {
  let relay: MediumRelay;

  beforeAll(async () => {
    const web = mkdtempSync(join(tmpdir(), 'relay-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Relay</title><script type="module" src="/assets/a.js"></script>');
    relay = await startMediumRelay({ WEB_DIR: web });
  });
  afterAll(() => relay.app.close());

  const directives = (csp: string | undefined) => new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));

  it.each([
    ['the page', 'get', '/'],
    ['the API', 'get', '/api/documents'],
    ['an API error', 'post', '/api/sessions/x/y'],
    ['a missing file', 'get', '/no-such-file.js'],
    ['the health endpoint', 'get', '/health/live'],
  ] as const)('sends CSP, nosniff, frame denial and no X-Powered-By on %s', async (_name, method, path) => {
    const res = await request(relay.url)[method](path);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('img-src')).toBe("'self' data:");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.has('upgrade-insecure-requests')).toBe(false); // Relay is often reached over plain http on a LAN address
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends nosniff and no X-Powered-By on Socket.IO’s HTTP responses too', async () => {
    const res = await request(relay.url).get('/socket.io/?EIO=4&transport=polling');
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
