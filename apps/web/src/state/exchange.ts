import type { AnswerDetails, Attribution, Citation, ErrorCode, FinishReason, Grounding, HistoryMessage } from '@relay/contracts';

/** How far a question got towards the server. */
export type SendState = 'sending' | 'busy' | 'rate-limited' | 'sent' | 'failed';

/** How far its answer got. `interrupted`: the server lost track of it (a restart) and history does not have it. */
export type AnswerState = 'waiting' | 'streaming' | 'done' | 'failed' | 'interrupted';

export interface Question {
  text: string;
  clientMessageId: string | null;
  sendState: SendState;
  sendError?: string;
  /** Busy by estimate: how long an answer would take now and when the page tries again, in words. */
  busyNote?: string;
}

/**
 * Where a waiting answer is, as chat:status last said: being searched for, its prompt being built, in the model's
 * queue (1 = next), or being read by it. `restarted`: a worker died and another took the message over (kept once seen).
 */
export type AnswerStatus = ({ state: 'queued'; position: number } | { state: 'searching' | 'building' | 'generating' | 'restarted' }) & { restarted?: boolean };

export interface Answer {
  text: string;
  state: AnswerState;
  /** Only while `waiting`: what chat:status last said. */
  status?: AnswerStatus;
  finishReason?: FinishReason;
  /** While the answer is live: the sources the model was given (chat:sources), none cited yet. Once done: as chat:done says. */
  citations: Citation[];
  /** Once done: what the answer rests on, and the sentences matched to a source. */
  grounding?: Grounding | null;
  attributions?: Attribution[];
  details?: AnswerDetails;
  error?: { code: ErrorCode | 'NETWORK'; message: string };
}

/** One question and its answer, as the page shows them; the server's messageId names both. */
export interface Exchange {
  /** Stable across the exchange's life (messageId is null until the send is acknowledged). */
  key: string;
  messageId: string | null;
  createdAt: string;
  /** Absent when history has only the answer (a message the profanity filter rejected). */
  question?: Question;
  answer: Answer;
}

/** Rebuilds the exchanges from chat:history / GET messages: user and assistant turns share a messageId. */
export function exchangesFromHistory(messages: HistoryMessage[]): Exchange[] {
  const byId = new Map<string, Exchange>();
  const order: Exchange[] = [];
  for (const m of messages) {
    let exchange = byId.get(m.messageId);
    if (!exchange) {
      exchange = { key: m.messageId, messageId: m.messageId, createdAt: m.createdAt, answer: { text: '', state: 'interrupted', citations: [] } };
      byId.set(m.messageId, exchange);
      order.push(exchange);
    }
    if (m.role === 'user') {
      exchange.question = { text: m.text, clientMessageId: null, sendState: 'sent' };
    } else {
      exchange.answer = {
        text: m.text,
        state: m.error ? 'failed' : 'done',
        finishReason: m.finishReason,
        citations: m.citations ?? [],
        grounding: m.grounding,
        attributions: m.attributions,
        details: m.details,
        error: m.error,
      };
    }
  }
  return order;
}
