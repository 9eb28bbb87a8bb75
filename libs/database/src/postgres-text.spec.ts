import { jsonbParam, withoutNul } from './postgres-text';

describe('withoutNul', () => {
  it('replaces NUL characters in strings, deep in arrays and plain objects, and leaves everything else alone', () => {
    const when = new Date('2025-01-01T00:00:00Z');
    expect(withoutNul('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(withoutNul({ text: 'x\u0000', n: 1, list: ['\u0000', null, true], nested: { 'k\u0000': 'v' } })).toEqual({
      text: 'x\uFFFD',
      n: 1,
      list: ['\uFFFD', null, true],
      nested: { 'k\uFFFD': 'v' },
    });
    expect(withoutNul(when)).toBe(when);
    expect(withoutNul('plain')).toBe('plain');
  });
});

describe('jsonbParam', () => {
  it('serialises without NUL escapes, keeps a literal backslash-u0000 text, and maps undefined to null', () => {
    expect(jsonbParam(undefined)).toBeNull();
    expect(jsonbParam({ a: 'x\u0000y' })).toBe('{"a":"x\uFFFDy"}');
    expect(JSON.parse(jsonbParam({ a: '\\u0000' })!)).toEqual({ a: '\\u0000' });
  });
});
