import type { WorkerCapacity } from '@relay/contracts';
import { RelayError } from '@relay/contracts';
import { AdmissionControl, inWords } from './admission-control';
import { CapacityBoard } from './capacity-board';

const report = (fields: Partial<WorkerCapacity> = {}): WorkerCapacity => ({
  type: 'capacity',
  workerId: 'w1',
  model: 'm',
  parallelism: 2,
  running: 2,
  queued: 0,
  serviceMs: 1000,
  intervalMs: 1000,
  ...fields,
});

function setup(config: { ADMISSION_ESTIMATE?: boolean; ADMISSION_MARGIN?: number; ANSWER_DEADLINE_MS?: number } = {}) {
  const clock = { now: 10_000 };
  const board = new CapacityBoard(() => clock.now);
  const sut = new AdmissionControl({ ADMISSION_ESTIMATE: true, ADMISSION_MARGIN: 0.2, ANSWER_DEADLINE_MS: 10_000, ...config }, board);
  return { sut, board, clock };
}

function refusal(run: () => void): RelayError | undefined {
  try {
    run();
  } catch (err) {
    return err as RelayError;
  }
  return undefined;
}

describe('AdmissionControl', () => {
  it('admits while the estimated wait fits in the deadline less its margin', () => {
    const { sut, board } = setup();
    // 2 running + 12 queued, 2 slots at 2/s: 13 must finish first = 6.5 s, + 1 s = 7.5 s ≤ 8 s.
    board.record(report({ queued: 12 }));
    expect(() => sut.admit(() => 0)).not.toThrow();
  });

  it('refuses with BUSY, the estimate and when to try again, once this gateway’s pending chats push the wait past it', () => {
    const { sut, board } = setup();
    board.record(report({ queued: 12 }));
    // 2 more accepted here and not at the worker yet: 15 must finish first = 7.5 s + 1 s = 8.5 s > 8 s.
    const err = refusal(() => sut.admit(() => 2));
    expect(err).toBeInstanceOf(RelayError);
    expect(err).toMatchObject({ code: 'BUSY', details: { estimatedWaitMs: 8500, retryAfterMs: 1000, reason: 'admission-estimate' } });
    expect(err!.message).toContain('about 9 s');
  });

  it('asks for the pending chats since the oldest live report, and forgets a worker whose reports stopped', () => {
    const { sut, board, clock } = setup();
    board.record(report({ queued: 100 }));
    clock.now += 500;
    board.record(report({ workerId: 'w2', running: 0, serviceMs: null }));
    const asked: number[] = [];
    expect(refusal(() => sut.admit((t) => (asked.push(t), 0)))?.code).toBe('BUSY');
    expect(asked).toEqual([10_000]);
    // w1 silent for more than 3 report intervals: gone; w2 alone has measured nothing, so nothing is refused.
    clock.now += 3000;
    board.record(report({ workerId: 'w2', running: 0, serviceMs: null }));
    expect(() => sut.admit(() => 0)).not.toThrow();
  });

  it('refuses nothing when turned off or when no worker reports', () => {
    const off = setup({ ADMISSION_ESTIMATE: false });
    off.board.record(report({ queued: 1000 }));
    expect(() => off.sut.admit(() => 1000)).not.toThrow();
    expect(() => setup().sut.admit(() => 1000)).not.toThrow();
  });

  it('says durations in words', () => {
    expect(inWords(400)).toBe('1 s');
    expect(inWords(42_300)).toBe('42 s');
    expect(inWords(185_000)).toBe('3 min');
  });
});
