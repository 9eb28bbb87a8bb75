import { clientAddress } from './client-address';

describe('clientAddress', () => {
  it('uses the socket address, IPv4-mapped addresses as plain IPv4', () => {
    expect(clientAddress('10.0.0.7', undefined, false)).toBe('10.0.0.7');
    expect(clientAddress('::ffff:10.0.0.7', undefined, false)).toBe('10.0.0.7');
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    expect(clientAddress('2001:db8:0:1::5', undefined, false)).toBe('2001:db8:0:1::/64');
    expect(clientAddress('2001:0db8:0000:0001:ffff:1:2:3', undefined, false)).toBe('2001:db8:0:1::/64');
    expect(clientAddress('::1', undefined, false)).toBe('0:0:0:0::/64');
  });

  it('ignores X-Forwarded-For unless told to trust the proxy, and then takes its last address', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', false)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.9', true)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', 'garbage', true)).toBe('127.0.0.1');
  });
});
