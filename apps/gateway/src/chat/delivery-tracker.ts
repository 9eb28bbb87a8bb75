import type { ChatChunkEvent, ChatDoneEvent, ChatErrorEvent, ChatSourcesEvent, ChatStatusEvent } from '@relay/contracts';

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
  /** Attempts another attempt took over from: their late chunks and statuses are dropped. */
  retired?: Set<string>;
  /** The error the answer ended with instead of chat:done (EXPIRED, PIPELINE_FAILED…). */
  error?: ChatErrorEvent;
  /**
   * Whether this gateway saw the answer from its start (its `accepted` record), so what it holds is all there is. A
   * gateway started after the answer began holds only what came since: a resume reads the rest from the log.
   */
  whole?: boolean;
  /** When (DeliveryTracker.now()) each chunk of the current generation went out live; none for chunks read from the log. */
  liveAt?: Map<number, number>;
}

/** What a client that resumes is sent: see replay(). */
export interface AnswerReplay {
  sessionId: string;
  sources?: ChatSourcesEvent;
  chunks: ChatChunkEvent[];
  done?: ChatDoneEvent;
  error?: ChatErrorEvent;
  status?: ChatStatusEvent;
  /** False when this gateway started after the answer began: the chunks before its start are missing. */
  whole: boolean;
}

export type ChunkVerdict = 'deliver' | 'duplicate' | 'restart';
/**
 * `restarted`: deliver it, after telling the client (chat:status `restarted`) that another worker took the message
 * over; `answer-restarted`: the same after chunks of the earlier attempt were sent, so the client is told to drop
 * them (chat:restart) before the status.
 */
export type StatusVerdict = 'deliver' | 'stale' | 'restarted' | 'answer-restarted';

/**
 * What this gateway has delivered of each recent answer. Upstream delivery is at-least-once, so the same chunk can
 * arrive twice (a redelivered record, a regenerated answer): each (generation, seq) is delivered once and in order.
 * A chunk with seq 0 from a new generation means another worker took the answer over: the client is told to start
 * over. The delivered chunks (and the sources that came before them) are kept so a client that reconnects (to this
 * or any replica, since every replica sees every answer) can resume from its last seq without gaps or repeats.
 */
export class DeliveryTracker {
  private readonly messages = new Map<string, MessageDelivery>();
  /** Counts live deliveries: a resume skips the chunks that reached the session's sockets live while it ran. */
  private clock = 0;

  constructor(private readonly capacity = 10_000) {}

  /** A point in this gateway's delivery order, for replay(…, liveSince). */
  now(): number {
    return this.clock;
  }

  /** The answer's first record (the pre-processor accepted the message): from here on this gateway sees all of it. */
  accepted(sessionId: string, messageId: string): void {
    const state = this.messages.get(messageId);
    if (state) state.whole = true;
    else this.remember(messageId, { sessionId, generationId: '', nextSeq: 0, chunks: [], whole: true });
  }

  chunk(event: ChatChunkEvent, generationId: string): ChunkVerdict {
    const verdict = this.track(event, generationId);
    if (verdict !== 'duplicate') {
      const state = this.messages.get(event.messageId)!;
      (state.liveAt ??= new Map()).set(event.seq, ++this.clock);
    }
    return verdict;
  }

  private track(event: ChatChunkEvent, generationId: string): ChunkVerdict {
    const state = this.messages.get(event.messageId);
    if (!state) {
      this.remember(event.messageId, { sessionId: event.sessionId, generationId, nextSeq: event.seq + 1, chunks: [event] });
      return 'deliver';
    }
    if (state.done || state.retired?.has(generationId)) return 'duplicate';
    if (state.generationId === '') {
      // Only the sources or statuses so far: this is the first chunk of the answer.
      Object.assign(state, { generationId, nextSeq: event.seq + 1, chunks: [event], status: undefined, liveAt: undefined });
      return 'deliver';
    }
    if (generationId !== state.generationId) {
      // Old generations' leftovers are dropped; a new one starting over restarts the answer.
      if (event.seq !== 0) return 'duplicate';
      Object.assign(state, { generationId, nextSeq: 1, chunks: [event], liveAt: undefined });
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
    if (state.done || (attempt !== undefined && state.retired?.has(attempt))) return 'stale';
    if (state.chunks.length > 0) {
      // Chunks of another attempt were sent: that worker died (or lost the prompt) and this one starts over, so the
      // answer starts again now, not only at this attempt's first chunk; the client hears where it is meanwhile.
      if (attempt === undefined || attempt === state.generationId) return 'stale';
      (state.retired ??= new Set()).add(state.generationId);
      Object.assign(state, { generationId: '', nextSeq: 0, chunks: [], status: event, statusAttempt: attempt, liveAt: undefined });
      return 'answer-restarted';
    }
    state.status = event;
    if (attempt === undefined) return 'deliver';
    const previous = state.statusAttempt;
    state.statusAttempt = attempt;
    if (previous === undefined || previous === attempt) return 'deliver';
    (state.retired ??= new Set()).add(previous);
    return 'restarted';
  }

  /** True the first time an answer's sources arrive; a repeated record (a redelivered query) is a duplicate. */
  sources(event: ChatSourcesEvent): boolean {
    const state = this.messages.get(event.messageId);
    if (state?.sources || state?.done) return false;
    if (state) state.sources = event;
    else this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], sources: event });
    return true;
  }

  /**
   * True the first time an answer completes; a repeated done is a duplicate, and so is the done of an attempt another
   * one took over from (its chunks were dropped: its text is not what the client was shown).
   */
  done(event: ChatDoneEvent, generationId?: string): boolean {
    const state = this.messages.get(event.messageId);
    if (state?.done || (generationId !== undefined && state?.retired?.has(generationId))) return false;
    if (state) state.done = event;
    else this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], done: event });
    return true;
  }

  /** True the first time an answer fails (chat:error instead of chat:done); a repeated one, or one after done, is not. */
  error(event: ChatErrorEvent & { messageId: string }): boolean {
    const state = this.messages.get(event.messageId);
    if (state?.done || state?.error) return false;
    if (state) state.error = event;
    else this.remember(event.messageId, { sessionId: event.sessionId, generationId: '', nextSeq: 0, chunks: [], error: event });
    return true;
  }

  /**
   * The sources, the chunks from `fromSeq` on and the done (or error) event if the answer has ended, or its latest
   * status if it has not begun; undefined if unknown here. `liveSince` (a now() taken when the client asked): chunks
   * delivered live after it are left out, since the asking socket, already in the session's room, got them live.
   */
  replay(messageId: string, fromSeq: number, liveSince = Infinity): AnswerReplay | undefined {
    const state = this.messages.get(messageId);
    if (!state) return undefined;
    const chunks = state.chunks.filter((c) => c.seq >= fromSeq && !((state.liveAt?.get(c.seq) ?? -1) > liveSince));
    return {
      sessionId: state.sessionId,
      ...(state.sources ? { sources: state.sources } : {}),
      chunks,
      ...(state.done ? { done: state.done } : {}),
      ...(state.error ? { error: state.error } : {}),
      ...(state.status ? { status: state.status } : {}),
      whole: state.whole === true,
    };
  }

  /**
   * Takes in what `rebuilt` holds of an answer (its records read back from the log, from its start up to a moment
   * after this gateway started) and merges it with what this gateway saw live since it started, so the answer is
   * whole here from now on. Both were built by these same rules from the same records in the same order, and they
   * overlap (this gateway started before the read began), so: the later generation wins; within one generation the
   * chunks are the union by seq; whatever ended the answer (done, error) is kept from either.
   */
  adopt(messageId: string, rebuilt: DeliveryTracker): void {
    const read = rebuilt.messages.get(messageId);
    if (!read) return;
    const live = this.messages.get(messageId);
    if (!live) {
      this.remember(messageId, { ...read, chunks: [...read.chunks], retired: read.retired && new Set(read.retired), liveAt: undefined, whole: true });
      return;
    }
    const retired = new Set([...(read.retired ?? []), ...(live.retired ?? [])]);
    let base: MessageDelivery;
    if (live.generationId === '' || live.generationId === read.generationId || retired.has(live.generationId)) {
      // The same attempt (or none yet live, or a live leftover of an attempt the log shows was replaced).
      const bySeq = new Map(read.chunks.map((c) => [c.seq, c]));
      if (live.generationId === read.generationId) for (const c of live.chunks) if (!bySeq.has(c.seq)) bySeq.set(c.seq, c);
      const chunks = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
      base = { ...read, chunks, nextSeq: chunks.length ? chunks[chunks.length - 1].seq + 1 : read.nextSeq, liveAt: live.generationId === read.generationId ? live.liveAt : undefined };
      if (read.generationId === '' && live.status) base.status = live.status;
    } else {
      // An attempt that started after the read's end: seen live from its seq 0, so the live state is the answer.
      if (read.generationId !== '') retired.add(read.generationId);
      base = { ...live, chunks: [...live.chunks], sources: live.sources ?? read.sources };
    }
    const merged: MessageDelivery = {
      ...base,
      sessionId: live.sessionId,
      sources: base.sources ?? live.sources ?? read.sources,
      done: live.done ?? read.done,
      error: live.error ?? read.error,
      retired: retired.size ? retired : undefined,
      whole: true,
    };
    // A status is only of use before the first chunk.
    if (merged.chunks.length > 0) merged.status = undefined;
    this.messages.set(messageId, merged);
  }

  private remember(messageId: string, state: MessageDelivery): void {
    this.messages.set(messageId, state);
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.messages.size > this.capacity) this.messages.delete(this.messages.keys().next().value!);
  }
}
