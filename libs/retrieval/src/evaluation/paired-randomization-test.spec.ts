import { pairedRandomizationTest } from './paired-randomization-test';

describe('pairedRandomizationTest', () => {
  it('gives a small p-value when one system is better on nearly every query', () => {
    const a = Array.from({ length: 100 }, (_, i) => 0.6 + (i % 7) * 0.01);
    const b = a.map((x, i) => (i % 10 === 0 ? x + 0.01 : x - 0.1));
    expect(pairedRandomizationTest(a, b, 2000)).toBeLessThan(0.01);
  });

  it('gives a large p-value when the differences cancel out', () => {
    const a = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 0.8 : 0.4));
    const b = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 0.4 : 0.8));
    expect(pairedRandomizationTest(a, b, 2000)).toBeGreaterThan(0.5);
  });

  it('is 1 for identical systems, symmetric in its arguments, and reproducible', () => {
    const a = [0.1, 0.5, 0.9, 0.3];
    const b = [0.2, 0.4, 0.7, 0.3];
    expect(pairedRandomizationTest(a, a)).toBe(1);
    expect(pairedRandomizationTest(a, b, 1000, 7)).toBe(pairedRandomizationTest(b, a, 1000, 7));
    expect(pairedRandomizationTest(a, b, 1000, 7)).toBe(pairedRandomizationTest(a, b, 1000, 7));
  });

  it('refuses score lists of different lengths', () => {
    expect(() => pairedRandomizationTest([1, 2], [1])).toThrow('paired test needs the same queries for both systems, got 2 and 1 scores');
  });
});
