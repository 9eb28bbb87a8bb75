import { AllowedHosts } from './allowed-hosts';
import { AllowedOrigins } from './allowed-origins';

describe('AllowedOrigins', () => {
  const hosts = new AllowedHosts({ host: '127.0.0.1', allowedHosts: '' });

  it('with sign-in: the page’s own origin and the listed ones only', () => {
    const origins = new AllowedOrigins('https://chat.example.com', true, hosts);
    expect(origins.allows(undefined, 'relay.internal:3000')).toBe(true);
    expect(origins.allows('http://relay.internal:3000', 'relay.internal:3000')).toBe(true);
    expect(origins.allows('https://chat.example.com', 'relay.internal:3000')).toBe(true);
    expect(origins.allows('http://localhost:5173', 'localhost:3000')).toBe(false);
    expect(origins.allows('http://evil.example', 'relay.internal:3000')).toBe(false);
    expect(origins.allows('null', 'relay.internal:3000')).toBe(false);
  });

  it('without sign-in: also any origin whose host is one of the gateway’s names (as before)', () => {
    const origins = new AllowedOrigins('', false, hosts);
    expect(origins.allows('http://localhost:5173', 'localhost:3000')).toBe(true);
    expect(origins.allows('http://evil.example', 'localhost:3000')).toBe(false);
  });
});
