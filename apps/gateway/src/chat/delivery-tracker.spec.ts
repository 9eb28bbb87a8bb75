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
    expect(t.replay('m', 2)).toEqual({ sessionId: 's', chunks: [], whole: false });
  });

  it('delivers the sources once, then the first chunk as the start of the answer (not a restart), and replays both', () => {
    const t = new DeliveryTracker();
    const sources = { sessionId: 's', messageId: 'm', sources: [] };
    expect(t.sources(sources)).toBe(true);
    expect(t.sources(sources)).toBe(false);
    expect(t.chunk(chunk(0), 'g')).toBe('deliver');
    expect(t.chunk(chunk(1), 'g')).toBe('deliver');
    expect(t.replay('m', 1)).toEqual({ sessionId: 's', sources, chunks: [chunk(1)], whole: false });
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
    expect(t.replay('m', 0)).toEqual({ sessionId: 's', chunks: [], status: queued(2), whole: false });

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
    expect(t.replay('m', 0)).toEqual({ sessionId: 's', chunks: [], status: queued(3), whole: false });
    expect(t.status(queued(2), 'g2')).toBe('deliver');
    expect(t.chunk(chunk(2), 'g1')).toBe('duplicate'); // a late chunk of the attempt taken over
    const done = { sessionId: 's', messageId: 'm', text: 'ab' } as never;
    expect(t.done(done, 'g1')).toBe(false); // nor its done (it was alive after all: a duplicated prompt)
    expect(t.chunk(chunk(0), 'g2')).toBe('deliver'); // the restart was told already
    expect(t.chunk(chunk(1), 'g2')).toBe('deliver');
    expect(t.status(queued(1), 'g2')).toBe('stale');
  });

  describe('an answer that began before this gateway started', () => {
    const seqs = (t: DeliveryTracker, from = 0, liveSince?: number) => t.replay('m', from, liveSince)?.chunks.map((c) => c.seq);
    /** The answer as read back from the log: accepted, sources, then chunks of one attempt. */
    const fromLog = (chunks: number[], generationId = 'g', more?: (t: DeliveryTracker) => void) => {
      const read = new DeliveryTracker();
      read.accepted('s', 'm');
      read.sources({ sessionId: 's', messageId: 'm', sources: [] });
      chunks.forEach((q) => read.chunk(chunk(q), generationId));
      more?.(read);
      return read;
    };

    it('is whole only when its accepted record was seen here', () => {
      const seenFromStart = new DeliveryTracker();
      seenFromStart.accepted('s', 'm');
      seenFromStart.chunk(chunk(0), 'g');
      expect(seenFromStart.replay('m', 0)?.whole).toBe(true);
      const joinedLate = new DeliveryTracker();
      joinedLate.chunk(chunk(7), 'g');
      expect(joinedLate.replay('m', 0)).toMatchObject({ whole: false, chunks: [chunk(7)] });
    });

    it('merges the log read with the chunks seen live since: every seq once, in order, and whole from then on', () => {
      const t = new DeliveryTracker();
      [4, 5, 6].forEach((q) => t.chunk(chunk(q), 'g')); // live since this gateway started
      t.adopt('m', fromLog([0, 1, 2, 3, 4, 5])); // the log up to when the read began
      expect(seqs(t)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(t.replay('m', 0)).toMatchObject({ whole: true, sources: { sources: [] } });
      // Live delivery goes on from where the merged answer is, dropping repeats.
      expect(t.chunk(chunk(6), 'g')).toBe('duplicate');
      expect(t.chunk(chunk(7), 'g')).toBe('deliver');
      expect(seqs(t, 5)).toEqual([5, 6, 7]);
    });

    it('keeps a later attempt seen live over the one the log read ended in, and drops the replaced one', () => {
      const t = new DeliveryTracker();
      [0, 1].forEach((q) => t.chunk({ ...chunk(q), delta: `new${q}` }, 'g2'));
      t.adopt('m', fromLog([0, 1, 2, 3], 'g1'));
      expect(t.replay('m', 0)?.chunks.map((c) => c.delta)).toEqual(['new0', 'new1']);
      expect(t.chunk(chunk(4), 'g1')).toBe('duplicate');
      expect(t.chunk(chunk(2), 'g2')).toBe('deliver');
    });

    it('ignores live leftovers of an attempt the log shows was taken over', () => {
      const t = new DeliveryTracker();
      t.chunk(chunk(3), 'g1'); // a late record of the dead attempt, seen live
      const read = fromLog([0, 1], 'g1', (r) => {
        r.status({ sessionId: 's', messageId: 'm', state: 'queued', position: 1 }, 'g2'); // g2 took over: g1 retired
        r.chunk({ ...chunk(0), delta: 'again' }, 'g2');
      });
      t.adopt('m', read);
      expect(t.replay('m', 0)?.chunks.map((c) => c.delta)).toEqual(['again']);
      expect(t.chunk(chunk(4), 'g1')).toBe('duplicate');
    });

    it('keeps the ending from either side', () => {
      const t = new DeliveryTracker();
      t.chunk(chunk(2), 'g');
      t.done(done, 'g');
      t.adopt('m', fromLog([0, 1, 2]));
      expect(t.replay('m', 1)).toMatchObject({ whole: true, done, chunks: [chunk(1), chunk(2)] });
      const failed = new DeliveryTracker();
      const error = { sessionId: 's', messageId: 'm', code: 'EXPIRED' as const, message: 'late' };
      failed.adopt('m', fromLog([], 'g', (r) => r.error(error)));
      expect(failed.replay('m', 0)).toMatchObject({ whole: true, error, chunks: [] });
      expect(failed.error(error)).toBe(false);
    });

    it('does not replay the chunks delivered live after the asking socket was already listening', () => {
      const t = new DeliveryTracker();
      t.accepted('s', 'm');
      [0, 1].forEach((q) => t.chunk(chunk(q), 'g'));
      const asked = t.now();
      t.chunk(chunk(2), 'g'); // reached the socket live while its resume was being answered
      t.adopt('m', fromLog([0, 1])); // what the read saw: nothing of seq 2
      expect(seqs(t, 0, asked)).toEqual([0, 1]);
      expect(seqs(t, 0)).toEqual([0, 1, 2]);
    });
  });
});
