import { ChatDoneEvent, ChatResponse, ChatStatusEvent, Citation, Delivered, nowMs, ResponseDone, ResponseStatus, stageTiming } from '@relay/contracts';
import type { InFlightMessage } from '../session/session-manager';

/**
 * What a chat.responses record becomes on the socket: shared by live delivery (ChatResponsesHandler) and by an
 * answer rebuilt from the log (AnswerRecovery), so a resumed client is sent exactly what a live one was.
 */
export function statusEventOf(sessionId: string, messageId: string, body: ResponseStatus): ChatStatusEvent {
  return body.state === 'queued' ? { sessionId, messageId, state: 'queued', position: body.position! } : { sessionId, messageId, state: body.state };
}

/**
 * chat:done for a `done` record. `citations`: those the user may read now (CitationGuard). `inFlight`: the message as
 * the gateway that accepted it holds it (its first-token and total times); absent on another replica.
 */
export function doneEventOf(response: Delivered<ChatResponse>, body: ResponseDone, citations: Citation[], inFlight: InFlightMessage | undefined): ChatDoneEvent {
  const now = nowMs();
  const timings = {
    stages: [...response.timings, stageTiming(response, 'gateway')],
    firstTokenMs: inFlight?.firstChunkAt !== undefined ? inFlight.firstChunkAt - inFlight.acceptedAt : null,
    totalMs: inFlight ? now - inFlight.acceptedAt : 0,
    ...(body.modelTimings && { model: body.modelTimings }),
  };
  // A sentence matched to a source the user may no longer read loses its marker with the citation.
  const kept = new Set(citations.map((c) => c.n));
  const attributions = body.attributions.filter((a) => kept.has(a.n));
  return {
    sessionId: response.sessionId,
    messageId: response.messageId,
    text: body.text,
    finishReason: body.finishReason,
    citations,
    grounding: body.grounding,
    attributions,
    moderation: body.moderation,
    usage: body.usage,
    model: body.model,
    timings,
  };
}
