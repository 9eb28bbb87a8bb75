import { ChatResponse, createEnvelope, HistoryMessage, RelayError, replyEnvelope, TOPICS } from '@relay/contracts';
import type { KeyedLogRead, KeyedLogReader, KeyedLogReadOptions, TransportRecord } from '@relay/transport';
import type { CitationGuard } from '../access/citation-guard';
import type { SessionManager } from '../session/session-manager';
import { AnswerRecovery } from './answer-recovery';
import { DeliveryTracker } from './delivery-tracker';

const query = createEnvelope({ sessionId: 's', payload: {} });
const messageId = query.messageId;
const record = (payload: ChatResponse, of = query, key = 's'): TransportRecord => ({ topic: TOPICS.responses, key, value: JSON.stringify(replyEnvelope(of, payload)), headers: {} });
const accepted = record({ type: 'accepted', text: 'hi', moderation: { action: 'none' } });
const chunk = (seq: number, generationId = 'g') => record({ type: 'chunk', generationId, seq, delta: `d${seq}` });
const done = record({
  type: 'done',
  generationId: 'g',
  text: 'd0d1',
  chunks: 2,
  finishReason: 'stop',
  citations: [],
  moderation: { action: 'none' },
  usage: { promptTokens: 1, completionTokens: 2 },
  model: 'm',
  firstTokenMs: null,
  grounding: null,
  attributions: [],
});
const userTurn: HistoryMessage = { messageId, role: 'user', text: 'hi', createdAt: '2026-12-03T10:00:00.000Z' };

/** The log as a list of the session partition's records, read like the Kafka adapter reads it. */
class FakeLog implements KeyedLogReader {
  reads: KeyedLogReadOptions[] = [];
  constructor(
    private readonly records: TransportRecord[],
    private readonly failure?: Error,
  ) {}
  async read(_topic: string, key: string, options: KeyedLogReadOptions): Promise<KeyedLogRead> {
    this.reads.push(options);
    if (this.failure) throw this.failure;
    const out: TransportRecord[] = [];
    let scanned = 0;
    for (const r of this.records) {
      if (scanned >= options.maxRecords) return { records: out, ended: 'limit', scanned };
      scanned++;
      if (r.key !== key) continue;
      out.push(r);
      if (options.stop?.(r)) return { records: out, ended: 'stopped', scanned };
    }
    return { records: out, ended: 'end', scanned };
  }
  async close(): Promise<void> {}
}

function setup(history: HistoryMessage[], log: KeyedLogReader | null, maxScan = 1000) {
  const tracker = new DeliveryTracker();
  const sessions = { history: async () => history } as unknown as SessionManager;
  const citations = { allowed: async (c: unknown[]) => c } as unknown as CitationGuard;
  const sut = new AnswerRecovery(sessions, tracker, citations, { RESUME_MAX_SCAN_RECORDS: maxScan, RESUME_TIMEOUT_MS: 5000 }, log);
  return { sut, tracker };
}

describe('AnswerRecovery', () => {
  it('rebuilds an answer from the log from its accept time, skipping other sessions, other messages and bad records', async () => {
    const other = createEnvelope({ sessionId: 's', payload: {} });
    const log = new FakeLog([
      accepted,
      record({ type: 'chunk', generationId: 'x', seq: 0, delta: 'other message' }, other),
      { topic: TOPICS.responses, key: 's', value: '{not json', headers: {} },
      chunk(0),
      record({ type: 'chunk', generationId: 'g', seq: 1, delta: 'other session' }, { ...query, sessionId: 't' }, 't'),
      chunk(1),
      chunk(1),
      chunk(2),
    ]);
    const { sut, tracker } = setup([userTurn], log);
    await expect(sut.recover('s', messageId)).resolves.toMatchObject({ kind: 'rebuilt' });
    // Searched from the accept time, with room for clocks that disagree.
    expect(log.reads[0].sinceMs).toBeLessThan(Date.parse(userTurn.createdAt));
    expect(log.reads[0].sinceMs).toBeGreaterThanOrEqual(Date.parse(userTurn.createdAt) - 60_000);
    const replay = tracker.replay(messageId, 1)!;
    expect(replay).toMatchObject({ whole: true, sessionId: 's' });
    expect(replay.chunks.map((c) => c.delta)).toEqual(['d1', 'd2']);
  });

  it('stops reading at the answer\'s end and replays it with its done event', async () => {
    const log = new FakeLog([accepted, chunk(0), chunk(1), done, chunk(5)]);
    const { sut, tracker } = setup([userTurn], log);
    await sut.recover('s', messageId);
    expect(tracker.replay(messageId, 0)).toMatchObject({ whole: true, done: { text: 'd0d1', finishReason: 'stop' } });
  });

  it('reads the log once for resumes of the same answer that arrive together', async () => {
    const log = new FakeLog([accepted, chunk(0)]);
    const { sut } = setup([userTurn], log);
    const both = await Promise.all([sut.recover('s', messageId), sut.recover('s', messageId)]);
    expect(both.map((r) => r.kind)).toEqual(['rebuilt', 'rebuilt']);
    expect(log.reads).toHaveLength(1);
  });

  it('answers from the stored turn when the history holds how the answer ended, without reading the log', async () => {
    const log = new FakeLog([]);
    const answer: HistoryMessage = {
      messageId,
      role: 'assistant',
      text: 'stored',
      createdAt: userTurn.createdAt,
      finishReason: 'stop',
      details: { moderation: { action: 'none' }, usage: { promptTokens: 1, completionTokens: 1 }, model: 'm', timings: { stages: [], firstTokenMs: null, totalMs: 0 } },
    };
    const { sut } = setup([userTurn, answer], log);
    await expect(sut.recover('s', messageId)).resolves.toMatchObject({ kind: 'stored', done: { sessionId: 's', messageId, text: 'stored' } });
    expect(log.reads).toEqual([]);
  });

  it('knows nothing of a message the session never sent, nor without a log', async () => {
    expect(await setup([], new FakeLog([accepted])).sut.recover('s', messageId)).toEqual({ kind: 'unknown' });
    expect(await setup([userTurn], null).sut.recover('s', messageId)).toEqual({ kind: 'unknown' });
  });

  it('refuses with RESUME_UNAVAILABLE when the answer\'s start is no longer in the log, is past the scan limit, or the log fails', async () => {
    const refused = async (log: KeyedLogReader, maxScan?: number) => {
      const err = await setup([userTurn], log, maxScan).sut.recover('s', messageId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RelayError);
      return err as RelayError;
    };
    // Beyond retention: the start was deleted, only the tail is left.
    expect((await refused(new FakeLog([chunk(7), chunk(8)]))).details).toMatchObject({ reason: 'not-in-log' });
    const busy = Array.from({ length: 10 }, (_, i) => ({ ...accepted, key: `other-${i}` }));
    expect((await refused(new FakeLog([...busy, accepted, chunk(0)]), 5)).details).toMatchObject({ reason: 'scan-limit' });
    const failed = await refused(new FakeLog([], new Error('broker down')));
    expect(failed.code).toBe('RESUME_UNAVAILABLE');
    expect(failed.details).toMatchObject({ reason: 'log-unreadable' });
  });
});
