import { estimateWait, WorkerLoad } from './admission-estimate';

const worker = (load: Partial<WorkerLoad> = {}): WorkerLoad => ({ parallelism: 2, running: 0, queued: 0, serviceMs: 1000, ...load });

describe('estimateWait', () => {
  it('has no estimate without a worker, or before any worker measured an answer (a model just starting is not refused)', () => {
    expect(estimateWait([], 50)).toBeUndefined();
    expect(estimateWait([worker({ serviceMs: null, queued: 500 })], 50)).toBeUndefined();
  });

  it('is one answer when a slot is free', () => {
    expect(estimateWait([worker({ running: 1 })], 0)).toMatchObject({ ahead: 1, slots: 2, estimatedWaitMs: 1000, answersPerSec: 2 });
  });

  it('adds the answers that must finish before a slot frees: queued on the worker and pending at this gateway', () => {
    // 2 running + 4 queued + 3 pending = 9 ahead, 2 slots: 8 must finish first at 2 answers/s = 4 s, then 1 s of its own.
    expect(estimateWait([worker({ running: 2, queued: 4 })], 3)).toMatchObject({ ahead: 9, estimatedWaitMs: 5000 });
  });

  it('adds the throughput of every live worker and counts one that has not measured yet at the others’ average', () => {
    const one = estimateWait([worker({ running: 2, queued: 10 })], 0)!;
    const two = estimateWait([worker({ running: 2, queued: 10 }), worker({ serviceMs: null })], 0)!;
    expect(one.answersPerSec).toBe(2);
    expect(two.answersPerSec).toBe(4);
    expect(two.estimatedWaitMs).toBeLessThan(one.estimatedWaitMs);
    // 12 ahead, 4 slots: 9 must finish at 4/s = 2.25 s, plus one answer (1 s).
    expect(two.estimatedWaitMs).toBe(3250);
  });

  it('weighs a slow worker by its own pace', () => {
    // 4 + 1 answers/s; 10 ahead in 4 slots: 7 at 5/s = 1.4 s, plus 4 slots / 5 per s = 0.8 s.
    expect(estimateWait([worker({ parallelism: 2, serviceMs: 500, queued: 8 }), worker({ parallelism: 2, serviceMs: 2000, running: 2 })], 0)).toMatchObject({
      answersPerSec: 5,
      estimatedWaitMs: 2200,
    });
  });
});
