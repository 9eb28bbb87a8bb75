import type { ChatDoneEvent } from '@relay/contracts';
import { DeliveryTracker } from './delivery-tracker';

const chunk = (seq: number, delta = `d${seq}`) => ({ sessionId: 's', messageId: 'm', seq, delta });
const done = { sessionId: 's', messageId: 'm', text: 'd0d1' } as ChatDoneEvent;

describe('DeliveryTracker', () => {
  it('delivers each seq of a generation once, in order', () => {
    const t = new DeliveryTracker();
    expect([0, 1, 1, 0, 2].map((s) => t.chunk(chunk(s), 'g1'))).toEqual(['deliver', 'deliver', 'duplicate', 'duplicate', 'deliver']);
  });

  it('restarts when a new generation starts at seq 0 and drops stale pieces of the old one', () => {
    const t = new DeliveryTracker();
    t.chunk(chunk(0), 'g1');
    t.chunk(chunk(1), 'g1');
    expect(t.chunk(chunk(2), 'g2')).toBe('duplicate');
    expect(t.chunk(chunk(0, 'again'), 'g2')).toBe('restart');
    expect(t.chunk(chunk(2), 'g1')).toBe('duplicate');
    expect(t.replay('m', 0)?.chunks.map((c) => c.delta)).toEqual(['again']);
  });

  it('delivers done once and replays chunks from a seq with the done event', () => {
    const t = new DeliveryTracker();
    [0, 1, 2].forEach((s) => t.chunk(chunk(s), 'g'));
    expect(t.done(done)).toBe(true);
    expect(t.done(done)).toBe(false);
    expect(t.chunk(chunk(3), 'g')).toBe('duplicate');
    const replay = t.replay('m', 1)!;
    expect(replay.chunks.map((c) => c.seq)).toEqual([1, 2]);
    expect(replay.done).toBe(done);
    expect(t.replay('other', 0)).toBeUndefined();
  });

  it('knows whose answer it is even when the client already has every chunk so far', () => {
    const t = new DeliveryTracker();
    [0, 1].forEach((s) => t.chunk(chunk(s), 'g'));
    expect(t.replay('m', 2)).toEqual({ sessionId: 's', chunks: [], done: undefined });
  });

  it('delivers the sources once, then the first chunk as the start of the answer (not a restart), and replays both', () => {
    const t = new DeliveryTracker();
    const sources = { sessionId: 's', messageId: 'm', sources: [] };
    expect(t.sources(sources)).toBe(true);
    expect(t.sources(sources)).toBe(false);
    expect(t.chunk(chunk(0), 'g')).toBe('deliver');
    expect(t.chunk(chunk(1), 'g')).toBe('deliver');
    expect(t.replay('m', 1)).toEqual({ sessionId: 's', sources, chunks: [chunk(1)], done: undefined });
    t.done(done);
    expect(t.sources(sources)).toBe(false);
  });

  it('forgets the oldest answers beyond its capacity', () => {
    const t = new DeliveryTracker(2);
    ['a', 'b', 'c'].forEach((id) => t.chunk({ ...chunk(0), messageId: id }, 'g'));
    expect(t.replay('a', 0)).toBeUndefined();
    expect(t.replay('c', 0)?.chunks).toHaveLength(1);
  });

  it('keeps the latest place in line until the answer begins, then drops statuses and starts the answer without a restart', () => {
    const t = new DeliveryTracker();
    const queued = (position: number) => ({ sessionId: 's', messageId: 'm', state: 'queued' as const, position });
    expect(t.status(queued(3))).toBe('deliver');
    expect(t.status(queued(2))).toBe('deliver');
    expect(t.replay('m', 0)).toEqual({ sessionId: 's', chunks: [], status: queued(2) });

    expect(t.chunk(chunk(0), 'g')).toBe('deliver');
    expect(t.chunk(chunk(1), 'g')).toBe('deliver');
    expect(t.status(queued(1))).toBe('stale');
    expect(t.replay('m', 0)?.status).toBeUndefined();
  });

  it('tells a restart when worker statuses come from another attempt, and not for pipeline statuses or repeats of one attempt', () => {
    const t = new DeliveryTracker();
    const status = (state: 'searching' | 'building' | 'generating') => ({ sessionId: 's', messageId: 'm', state });
    const queued = (position: number) => ({ sessionId: 's', messageId: 'm', state: 'queued' as const, position });
    expect(t.status(status('searching'))).toBe('deliver');
    expect(t.status(status('building'))).toBe('deliver');
    expect(t.status(queued(2), 'g1')).toBe('deliver');
    expect(t.status(queued(2), 'g1')).toBe('deliver'); // a heartbeat: same place, same attempt
    expect(t.status(status('generating'), 'g1')).toBe('deliver');
    expect(t.status(status('searching'))).toBe('deliver'); // a redelivered pipeline record says nothing of the worker
    expect(t.status(queued(1), 'g2')).toBe('restarted');
    expect(t.status(status('generating'), 'g2')).toBe('deliver');
    expect(t.replay('m', 0)?.status).toEqual(status('generating'));
    expect(t.status(queued(1), 'g1')).toBe('stale'); // the attempt taken over says nothing any more
  });

  it('restarts an answer whose chunks came from a dead attempt as soon as the attempt that took over says where it is', () => {
    const t = new DeliveryTracker();
    const queued = (position: number) => ({ sessionId: 's', messageId: 'm', state: 'queued' as const, position });
    expect(t.status({ sessionId: 's', messageId: 'm', state: 'generating' }, 'g1')).toBe('deliver');
    expect(t.chunk(chunk(0), 'g1')).toBe('deliver');
    expect(t.chunk(chunk(1), 'g1')).toBe('deliver');
    expect(t.status(queued(1), 'g1')).toBe('stale'); // its own leftover: the answer goes on
    expect(t.status(queued(3), 'g2')).toBe('answer-restarted');
    expect(t.replay('m', 0)).toEqual({ sessionId: 's', chunks: [], status: queued(3) });
    expect(t.status(queued(2), 'g2')).toBe('deliver');
    expect(t.chunk(chunk(2), 'g1')).toBe('duplicate'); // a late chunk of the attempt taken over
    const done = { sessionId: 's', messageId: 'm', text: 'ab' } as never;
    expect(t.done(done, 'g1')).toBe(false); // nor its done (it was alive after all: a duplicated prompt)
    expect(t.chunk(chunk(0), 'g2')).toBe('deliver'); // the restart was told already
    expect(t.chunk(chunk(1), 'g2')).toBe('deliver');
    expect(t.status(queued(1), 'g2')).toBe('stale');
  });
});
