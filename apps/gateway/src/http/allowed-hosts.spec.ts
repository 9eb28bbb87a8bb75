import { AllowedHosts } from './allowed-hosts';

describe('AllowedHosts', () => {
  const hosts = new AllowedHosts({ host: '127.0.0.1', allowedHosts: 'relay.example.com, .corp.example' });

  it.each(['localhost:3000', 'LOCALHOST', 'app.localhost:80', '127.0.0.1:3000', '[::1]:3000', '192.168.1.20:3000', 'relay.example.com', 'a.corp.example', 'corp.example'])(
    'allows Host %s',
    (host) => expect(hosts.allowsHost(host)).toBe(true),
  );

  it.each(['evil.example', 'relay.example.com.evil.example', 'localhost.evil.example', 'xcorp.example', '', undefined, '[::1'])('refuses Host %s', (host) => {
    expect(hosts.allowsHost(host)).toBe(false);
  });

  it('allows HOST itself when it is a name, and anything with *', () => {
    expect(new AllowedHosts({ host: 'relay.internal', allowedHosts: '' }).allowsHost('relay.internal:3000')).toBe(true);
    expect(new AllowedHosts({ host: '0.0.0.0', allowedHosts: '*' }).allowsHost('whatever.example')).toBe(true);
  });

  it('checks an Origin by its host name', () => {
    expect(hosts.allowsOrigin('http://127.0.0.1:5173')).toBe(true);
    expect(hosts.allowsOrigin('https://relay.example.com')).toBe(true);
    expect(hosts.allowsOrigin('http://evil.example')).toBe(false);
    expect(hosts.allowsOrigin('null')).toBe(false);
  });
});
