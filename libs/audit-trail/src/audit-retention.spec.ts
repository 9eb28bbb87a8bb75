import { Logger } from '@nestjs/common';
import { AuditRetention } from './audit-retention';
import type { AuditTrail } from './audit-trail.port';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-12-03T12:00:00.000Z');

function setup(retentionDays: number, prune: (before: Date) => Promise<number> = async () => 7) {
  const calls: Date[] = [];
  const trail = { prune: async (before: Date) => (calls.push(before), prune(before)) } as unknown as AuditTrail;
  const logs: unknown[] = [];
  jest.spyOn(Logger.prototype, 'log').mockImplementation((m: unknown) => void logs.push(m));
  jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => void logs.push(m));
  return { sut: new AuditRetention(trail, retentionDays, () => NOW), calls, logs };
}

afterEach(() => jest.restoreAllMocks());

describe('AuditRetention', () => {
  it('removes what is older than the retention and logs how many entries went', async () => {
    const { sut, calls, logs } = setup(30);
    expect(await sut.prune()).toBe(7);
    expect(calls).toEqual([new Date(NOW - 30 * DAY)]);
    expect(logs).toEqual([expect.objectContaining({ msg: 'audit trail pruned', removed: 7, retentionDays: 30, olderThan: '2026-11-03T12:00:00.000Z' })]);
  });

  it('keeps everything with 0 days', async () => {
    const { sut, calls } = setup(0);
    sut.onApplicationBootstrap();
    expect(await sut.prune()).toBe(0);
    expect(calls).toEqual([]);
  });

  it('logs a failed prune and carries on', async () => {
    const { sut, logs } = setup(1, async () => {
      throw new Error('database gone');
    });
    expect(await sut.prune()).toBe(0);
    expect(logs).toEqual([expect.objectContaining({ msg: 'audit trail pruning failed', err: 'database gone' })]);
  });
});
