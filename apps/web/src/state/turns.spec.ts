import type { HistoryMessage } from '@relay/contracts';
import { exchangesFromHistory } from './exchange';
import { turnsOf } from './turns';

const at = '2026-12-01T10:00:00.000Z';
const user = (messageId: string, text: string): HistoryMessage => ({ messageId, role: 'user', text, createdAt: at });
const assistant = (messageId: string, text: string, extra: Partial<HistoryMessage> = {}): HistoryMessage => ({
  messageId,
  role: 'assistant',
  text,
  createdAt: at,
  finishReason: 'stop',
  ...extra,
});

describe('exchanges and turns from history', () => {
  it('pairs each question with its answer by messageId', () => {
    const exchanges = exchangesFromHistory([user('m1', 'Q1'), assistant('m1', 'A1'), user('m2', 'Q2'), assistant('m2', 'A2')]);
    expect(exchanges.map((e) => [e.messageId, e.question?.text, e.answer.text, e.answer.state])).toEqual([
      ['m1', 'Q1', 'A1', 'done'],
      ['m2', 'Q2', 'A2', 'done'],
    ]);
  });

  it('marks a question whose answer history lacks as interrupted, and keeps a failed answer with its error', () => {
    const error = { code: 'PIPELINE_FAILED' as const, message: 'failed' };
    const exchanges = exchangesFromHistory([user('m1', 'Q1'), user('m2', 'Q2'), assistant('m2', '', { error, finishReason: undefined })]);
    expect(exchanges[0].answer.state).toBe('interrupted');
    expect(exchanges[1].answer).toMatchObject({ state: 'failed', error });
  });

  it('keeps an answer without a question (rejected by the profanity filter)', () => {
    const exchanges = exchangesFromHistory([assistant('m1', '', { error: { code: 'PROFANITY', message: 'no' } })]);
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0].question).toBeUndefined();
  });

  it('groups a regenerated answer (the same question asked again right after) as a version of one turn', () => {
    const turns = turnsOf(
      exchangesFromHistory([user('m1', 'Q'), assistant('m1', 'A1'), user('m2', 'Q'), assistant('m2', 'A2'), user('m3', 'other'), assistant('m3', 'B'), user('m4', 'Q')]),
    );
    expect(turns.map((t) => t.versions.map((v) => v.messageId))).toEqual([['m1', 'm2'], ['m3'], ['m4']]);
  });
});
