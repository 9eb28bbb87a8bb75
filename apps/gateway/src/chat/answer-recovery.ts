import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ChatDoneEvent, ChatErrorEvent, chatResponseSchema, Delivered, ChatResponse, envelopeSchema, HistoryMessage, RelayError, TOPICS } from '@relay/contracts';
import { KEYED_LOG_READER, type KeyedLogReader, type TransportRecord } from '@relay/transport';
import { CitationGuard } from '../access/citation-guard';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { SessionManager } from '../session/session-manager';
import { DeliveryTracker } from './delivery-tracker';
import { doneEventOf, statusEventOf } from './response-events';

/**
 * Records are stamped by the producing process's clock, the accept time by the accepting gateway's: the search for
 * an answer's first record starts this much earlier, so clocks that disagree by less lose nothing.
 */
const CLOCK_SKEW_MS = 10_000;

const responseEnvelope = envelopeSchema(chatResponseSchema);

/** How a resume of an answer this gateway did not see from its start was settled. */
export type Recovery =
  /** The answer's records were read back from the log and merged into the tracker: replay from it. */
  | { kind: 'rebuilt'; scanned: number; ms: number }
  /** The answer had ended and the session's history holds how: this is what the client is sent. */
  | { kind: 'stored'; done?: ChatDoneEvent; error?: ChatErrorEvent }
  /** Not an answer of this session that this gateway can find (as before: the client reads chat:history). */
  | { kind: 'unknown' };

/**
 * Rebuilds the delivery state of an answer that began before this gateway started, so a client can resume it on
 * any replica. The answer's start is found from the user's turn in the session's history (the shared store, or the
 * file store the replicas share), never from anything the client says; then the session's records are read back
 * from `chat.responses` from there (KeyedLogReader) and put through the same DeliveryTracker rules as live
 * delivery, and the result is merged with what this gateway saw live since it started (DeliveryTracker.adopt).
 * An answer already recorded as finished in the history is answered from there.
 */
@Injectable()
export class AnswerRecovery {
  private readonly logger = new Logger('AnswerRecovery');

  constructor(
    private readonly sessions: SessionManager,
    private readonly tracker: DeliveryTracker,
    private readonly citations: CitationGuard,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'RESUME_MAX_SCAN_RECORDS' | 'RESUME_TIMEOUT_MS'>,
    @Optional() @Inject(KEYED_LOG_READER) private readonly log?: KeyedLogReader | null,
  ) {}

  /** Recoveries under way: tabs of one chat that resume the same answer at once share one read of the log. */
  private readonly pending = new Map<string, Promise<Recovery>>();

  recover(sessionId: string, messageId: string): Promise<Recovery> {
    const key = `${sessionId}\u0000${messageId}`;
    let recovery = this.pending.get(key);
    if (!recovery) {
      recovery = this.recoverNow(sessionId, messageId).finally(() => this.pending.delete(key));
      this.pending.set(key, recovery);
    }
    return recovery;
  }

  private async recoverNow(sessionId: string, messageId: string): Promise<Recovery> {
    const history = await this.sessions.history(sessionId);
    const asked = history.find((m) => m.messageId === messageId && m.role === 'user');
    if (!asked) return { kind: 'unknown' };
    const answered = history.find((m) => m.messageId === messageId && m.role === 'assistant');
    const stored = answered && storedEnding(sessionId, answered);
    if (stored) return { kind: 'stored', ...stored };
    if (!this.log) return { kind: 'unknown' };
    return this.rebuild(sessionId, messageId, Date.parse(asked.createdAt) - CLOCK_SKEW_MS);
  }

  private async rebuild(sessionId: string, messageId: string, sinceMs: number): Promise<Recovery> {
    const started = performance.now();
    const decoded = new WeakMap<TransportRecord, Delivered<ChatResponse> | null>();
    const decode = (record: TransportRecord) => {
      if (!decoded.has(record)) decoded.set(record, decodeResponse(record, messageId));
      return decoded.get(record)!;
    };
    let read;
    try {
      read = await this.log!.read(TOPICS.responses, sessionId, {
        sinceMs,
        maxRecords: this.config.RESUME_MAX_SCAN_RECORDS,
        timeoutMs: this.config.RESUME_TIMEOUT_MS,
        // Once the answer has ended nothing after it matters.
        stop: (record) => {
          const type = decode(record)?.payload.type;
          return type === 'done' || type === 'error';
        },
      });
    } catch (err) {
      this.logger.warn({ msg: 'could not read the answer back from the log', messageId, err: (err as Error).message });
      throw new RelayError('RESUME_UNAVAILABLE', 'The answer could not be read back just now; try again, or read chat:history.', { reason: 'log-unreadable' });
    }
    const responses = read.records.map(decode).filter((r): r is Delivered<ChatResponse> => r !== null);
    if (responses.length === 0 || responses[0].payload.type !== 'accepted') {
      // Nothing of it, or not from its start: older than the log keeps (retention), or past the scan limit.
      this.logger.warn({ msg: 'answer not found whole in the log', messageId, found: responses.length, ended: read.ended, scanned: read.scanned });
      throw new RelayError('RESUME_UNAVAILABLE', 'This answer is no longer in the log (older than its retention) or too far back in it; read chat:history.', {
        reason: read.ended === 'limit' ? 'scan-limit' : 'not-in-log',
      });
    }
    const rebuilt = new DeliveryTracker();
    for (const response of responses) await this.apply(rebuilt, response);
    this.tracker.adopt(messageId, rebuilt);
    const ms = Math.round(performance.now() - started);
    this.logger.log({ msg: 'answer rebuilt from the log', messageId, records: responses.length, scanned: read.scanned, ms });
    return { kind: 'rebuilt', scanned: read.scanned, ms };
  }

  /** One record through the tracker's rules, as ChatResponsesHandler applies it live. */
  private async apply(tracker: DeliveryTracker, response: Delivered<ChatResponse>): Promise<void> {
    const { sessionId, messageId } = response;
    const body = response.payload;
    switch (body.type) {
      case 'accepted':
        return tracker.accepted(sessionId, messageId);
      case 'sources':
        tracker.sources({ sessionId, messageId, sources: body.sources });
        return;
      case 'status':
        tracker.status(statusEventOf(sessionId, messageId, body), body.generationId);
        return;
      case 'chunk':
        tracker.chunk({ sessionId, messageId, seq: body.seq, delta: body.delta }, body.generationId);
        return;
      case 'done': {
        // Citations the user may read now, as live delivery on a replica that did not accept the message filters them.
        const citations = await this.citations.allowed(body.citations, undefined);
        tracker.done(doneEventOf(response, body, citations, undefined), body.generationId);
        return;
      }
      case 'error':
        tracker.error({ sessionId, messageId, code: body.code, message: body.message });
        return;
    }
  }
}

/** The answer's record of this message, validated like any record off the transport; null for others' or bad ones. */
function decodeResponse(record: TransportRecord, messageId: string): Delivered<ChatResponse> | null {
  let json: unknown;
  try {
    json = JSON.parse(record.value);
  } catch {
    return null;
  }
  const parsed = responseEnvelope.safeParse(json);
  if (!parsed.success || parsed.data.messageId !== messageId || parsed.data.sessionId !== record.key) return null;
  return { ...(parsed.data as Delivered<ChatResponse>), receivedAt: 0 };
}

/** How a finished answer ended, from its turn in the history (chat:done or chat:error as they were sent). */
function storedEnding(sessionId: string, m: HistoryMessage): { done?: ChatDoneEvent; error?: ChatErrorEvent } | undefined {
  if (m.error) return { error: { sessionId, messageId: m.messageId, code: m.error.code, message: m.error.message } };
  if (!m.finishReason || !m.details) return undefined;
  return {
    done: {
      sessionId,
      messageId: m.messageId,
      text: m.text,
      finishReason: m.finishReason,
      citations: m.citations ?? [],
      grounding: m.grounding ?? null,
      attributions: m.attributions ?? [],
      ...m.details,
    },
  };
}
