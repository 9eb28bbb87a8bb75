import { RelayError } from '@relay/contracts';
import { InMemoryUsageLedger } from './in-memory-usage-ledger';

const limits = { messagesPerMin: 3, answersInFlight: 2, tokensPerDay: 100 };

async function refusal(p: Promise<unknown>): Promise<RelayError | undefined> {
  try {
    await p;
  } catch (err) {
    return err as RelayError;
  }
  return undefined;
}

describe('InMemoryUsageLedger', () => {
  it('refuses a third answer in flight until one is settled', async () => {
    const sut = new InMemoryUsageLedger(() => 0);
    await sut.admit('alice', 'm1', limits);
    await sut.admit('alice', 'm2', limits);
    const refused = await refusal(sut.admit('alice', 'm3', limits));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.details.reason).toBe('user-answers-in-flight');
    await sut.admit('bob', 'm4', limits); // another user is not affected
    await sut.settle('m1', 10);
    await sut.settle('m1', 10); // reported again by another replica: counted once
    expect(await refusal(sut.admit('alice', 'm3', limits))).toBeUndefined();
  });

  it('refuses over the messages of a minute, saying when the next minute starts', async () => {
    let now = 30_000;
    const sut = new InMemoryUsageLedger(() => now);
    for (const id of ['a', 'b', 'c']) {
      await sut.admit('alice', id, limits);
      await sut.settle(id, 0);
    }
    const refused = await refusal(sut.admit('alice', 'd', limits));
    expect(refused?.details).toMatchObject({ retryAfterMs: 30_000, reason: 'user-messages-per-min' });
    now = 60_000;
    expect(await refusal(sut.admit('alice', 'd', limits))).toBeUndefined();
  });

  it('refuses once the day’s tokens are used, until midnight UTC', async () => {
    const now = Date.UTC(2026, 0, 1, 23, 0, 0);
    const sut = new InMemoryUsageLedger(() => now);
    await sut.admit('alice', 'm1', limits);
    await sut.settle('m1', 100);
    const refused = await refusal(sut.admit('alice', 'm2', limits));
    expect(refused?.details).toMatchObject({ retryAfterMs: 3_600_000, reason: 'user-tokens-per-day' });
  });
});
