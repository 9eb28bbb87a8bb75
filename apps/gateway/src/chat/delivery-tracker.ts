import type { ChatChunkEvent, ChatDoneEvent, ChatSourcesEvent, ChatStatusEvent } from '@relay/contracts';

interface MessageDelivery {
  /** Whose answer this is: a resume is answered only for the session that owns it. */
  sessionId: string;
  /** '' until the first chunk arrives: only the sources or a status were delivered so far. */
  generationId: string;
  nextSeq: number;
  /** What was delivered of the current generation, for a client that reconnects and resumes. */
  chunks: ChatChunkEvent[];
  /** The numbered sources, sent before the first chunk. */
  sources?: ChatSourcesEvent;
  done?: ChatDoneEvent;
  /** The latest status before the first chunk (its place in line), for a client that resumes while it waits. */
  status?: ChatStatusEvent;
  /** The LLM worker attempt the latest worker status came from: a status from another one means a restart. */
  statusAttempt?: string;
}

export type ChunkVerdict = 'deliver' | 'duplicate' | 'restart';
/** `restarted`: deliver it, after telling the client that another worker took the message over. */
export type StatusVerdict = 'deliver' | 'stale' | 'restarted';

/**
 * What this gateway has delivered of each recent answer. Upstream delivery is at-least-once, so the same chunk can
 * arrive twice (a redelivered record, a regenerated answer): each (generation, seq) is delivered once and in order.
 * A chunk with seq 0 from a new generation means another worker took the answer over: the client is told to start
 * over. The delivered chunks (and the sources that came before them) are kept so a client that reconnects (to this
 * or any replica, since every replica sees every answer) can resume from its last seq without gaps or repeats.
 */
export class DeliveryTracker {
  private readonly messages = new Map<string, MessageDelivery>();

  constructor(private readonly capacity = 10_000) {}

  chunk(event: ChatChunkEvent, generationId: string): ChunkVerdict {
    const state = this.messages.get(event.messageId);
    if (!state) {
      this.remember(event.messageId, { sessionId: event.sessionId, generationId, nextSeq: event.seq + 1, chunks: [event] });
      return 'deliver';
    }
    if (state.done) return 'duplicate';
    if (state.generationId === '') {
      // Only the sources or statuses so far: this is the first chunk of the answer.
      Object.assign(state, { generationId, nextSeq: event.seq + 1, chunks: [event], status: undefined });
      return 'deliver';
    }
    if (generationId !== state.generationId) {
      // Old generations' leftovers are dropped; a new one starting over restarts the answer.
      if (event.seq !== 0) return 'duplicate';
      Object.assign(state, { generationId, nextSeq: 1, chunks: [event] });
      return 'restart';
    }
    if (event.seq < state.nextSeq) return 'duplicate';
    state.nextSeq = event.seq + 1;
    state.chunks.push(event);
    return 'deliver';
  }

  /**
   * Whether to deliver a status: `stale` once the answer has begun streaming or finished (a leftover of another
   * worker); `restarted` when it comes from another LLM worker attempt than the statuses before it (`attempt`: the
   * status record's generationId), i.e. the worker that had the prompt died and another took it over.
   */
  status(event: ChatStatusEvent, attempt?: string): StatusVerdict {
    const state = this.messages.get(event.messageId);
    if (!state) {
      this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], status: event, statusAttempt: attempt });
      return 'deliver';
    }
    if (state.done || state.chunks.length > 0) return 'stale';
    state.status = event;
    if (attempt === undefined) return 'deliver';
    const restarted = state.statusAttempt !== undefined && state.statusAttempt !== attempt;
    state.statusAttempt = attempt;
    return restarted ? 'restarted' : 'deliver';
  }

  /** True the first time an answer's sources arrive; a repeated record (a redelivered query) is a duplicate. */
  sources(event: ChatSourcesEvent): boolean {
    const state = this.messages.get(event.messageId);
    if (state?.sources || state?.done) return false;
    if (state) state.sources = event;
    else this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], sources: event });
    return true;
  }

  /** True the first time an answer completes; a repeated done is a duplicate. */
  done(event: ChatDoneEvent): boolean {
    const state = this.messages.get(event.messageId);
    if (state?.done) return false;
    if (state) state.done = event;
    else this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], done: event });
    return true;
  }

  /**
   * The sources, the chunks from `fromSeq` on and the done event if the answer is complete, or its latest status if
   * it has not begun; undefined if unknown here.
   */
  replay(
    messageId: string,
    fromSeq: number,
  ): { sessionId: string; sources?: ChatSourcesEvent; chunks: ChatChunkEvent[]; done?: ChatDoneEvent; status?: ChatStatusEvent } | undefined {
    const state = this.messages.get(messageId);
    if (!state) return undefined;
    const chunks = state.chunks.filter((c) => c.seq >= fromSeq);
    return { sessionId: state.sessionId, ...(state.sources ? { sources: state.sources } : {}), chunks, done: state.done, status: state.status };
  }

  private remember(messageId: string, state: MessageDelivery): void {
    this.messages.set(messageId, state);
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.messages.size > this.capacity) this.messages.delete(this.messages.keys().next().value!);
  }
}
