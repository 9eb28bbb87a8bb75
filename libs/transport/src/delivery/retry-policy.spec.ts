import { backoffDelayMs, RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelayMs', () => {
  it('waits between half and all of the base delay before the second attempt', () => {
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(50);
    expect(backoffDelayMs(policy, 2, () => 0.999999)).toBe(100);
    expect(backoffDelayMs(policy, 2, () => 0.5)).toBe(75);
  });

  it('doubles the ceiling with each further attempt', () => {
    expect(backoffDelayMs(policy, 3, () => 0.999999)).toBe(200);
    expect(backoffDelayMs(policy, 4, () => 0.999999)).toBe(400);
    expect(backoffDelayMs(policy, 4, () => 0)).toBe(200);
  });

  it('never exceeds maxDelayMs however many attempts came before', () => {
    expect(backoffDelayMs(policy, 5, () => 0.999999)).toBe(800);
    for (const attempt of [6, 10, 50, 1000, 5000]) {
      expect(backoffDelayMs(policy, attempt, () => 0.999999)).toBeLessThanOrEqual(1_000);
      expect(backoffDelayMs(policy, attempt, () => 0)).toBe(500);
    }
  });

  it('stays within [ceiling/2, ceiling] for any random value', () => {
    for (let i = 0; i <= 100; i++) {
      const r = i / 100 - Number.EPSILON * (i === 100 ? 1 : 0);
      const delay = backoffDelayMs(policy, 3, () => r);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });

  it('is zero when the base delay is zero', () => {
    expect(backoffDelayMs({ maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 1_000 }, 5)).toBe(0);
  });

  it('uses Math.random by default and stays in bounds', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelayMs(policy, 2);
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(100);
    }
  });
});
