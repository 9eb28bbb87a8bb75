import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ChatResponse, Delivered, nowMs, ResponseDone, SERVER_EVENTS, TOPICS } from '@relay/contracts';
import { contextFromTraceparent, recordSpan, SPAN_ATTRIBUTES, SpanOutcome } from '@relay/observability';
import { InteractionAudit } from '../audit/interaction-audit';
import { CitationGuard } from '../access/citation-guard';
import { SessionManager } from '../session/session-manager';
import { ChatGateway } from './chat.gateway';
import { DeliveryTracker } from './delivery-tracker';
import { doneEventOf, statusEventOf } from './response-events';

/**
 * Delivers chat.responses to the sockets of their session: the sources as soon as the prompt is built, chunks in
 * seq order and once each, then the done event with the timings of every hop; records the turns in the session's history as they become final. With a shared
 * store every replica records (once, by message id) and may write the audit record (once, by claim), so an answer
 * whose accepting gateway died is still kept whole.
 */
@Controller()
export class ChatResponsesHandler {
  private readonly logger = new Logger('ChatResponses');

  constructor(
    private readonly sessions: SessionManager,
    private readonly gateway: ChatGateway,
    private readonly interactions: InteractionAudit,
    private readonly tracker: DeliveryTracker,
    private readonly citations: CitationGuard,
  ) {}

  // Every gateway replica sees every answer and delivers it to the sockets it holds. Not one span per record (an
  // answer is many chunks, seen by every replica): the accepting gateway records one span per answer (traceDelivery).
  @EventPattern(TOPICS.responses, { stage: 'gateway', delivery: 'every-replica', traced: false })
  async handle(@Payload() response: Delivered<ChatResponse>): Promise<void> {
    const { sessionId, messageId } = response;
    const body = response.payload;
    await this.sessions.inFlightMessage(messageId)?.acknowledged;
    // A worker's status (it carries the attempt's generationId), chunk or end: the message is in the workers' capacity reports now.
    if (body.type === 'chunk' || body.type === 'done' || (body.type === 'status' && body.generationId !== undefined)) this.sessions.reachedWorker(messageId);
    switch (body.type) {
      case 'accepted':
        this.interactions.moderated(messageId, body.moderation.action);
        this.tracker.accepted(sessionId, messageId);
        await this.sessions.recordUserTurn(sessionId, messageId, body.text, response.createdAt);
        return;
      case 'sources': {
        const event = { sessionId, messageId, sources: body.sources };
        if (this.tracker.sources(event)) this.gateway.emitToSession(sessionId, SERVER_EVENTS.sources, event);
        return;
      }
      case 'status': {
        const event = statusEventOf(sessionId, messageId, body);
        // A status that arrives after the answer began (another worker's leftover) is stale: not delivered.
        const verdict = this.tracker.status(event, body.generationId);
        if (verdict === 'stale') return;
        if (verdict === 'restarted' || verdict === 'answer-restarted') {
          this.logger.warn({ msg: 'prompt taken over by another worker', hadChunks: verdict === 'answer-restarted' });
          // After chunks of the dead attempt, the client drops them first (chat:restart), then hears where the new one is.
          if (verdict === 'answer-restarted') this.gateway.emitToSession(sessionId, SERVER_EVENTS.restart, { sessionId, messageId });
          this.gateway.emitToSession(sessionId, SERVER_EVENTS.status, { sessionId, messageId, state: 'restarted' });
        }
        this.gateway.emitToSession(sessionId, SERVER_EVENTS.status, event);
        return;
      }
      case 'chunk': {
        const event = { sessionId, messageId, seq: body.seq, delta: body.delta };
        const verdict = this.tracker.chunk(event, body.generationId);
        if (verdict === 'duplicate') return;
        const inFlight = this.sessions.inFlightMessage(messageId);
        if (inFlight) inFlight.firstChunkAt ??= nowMs();
        if (verdict === 'restart') {
          this.logger.warn({ msg: 'answer restarted by another worker' });
          this.gateway.emitToSession(sessionId, SERVER_EVENTS.restart, { sessionId, messageId });
        }
        this.gateway.emitToSession(sessionId, SERVER_EVENTS.chunk, event);
        return;
      }
      case 'done':
        return this.done(response, body);
      case 'error': {
        // Every gateway tells its own sockets; only the one that accepted the message audits it.
        const event = { sessionId, messageId, code: body.code, message: body.message };
        this.tracker.error(event);
        this.traceDelivery(response, body.code === 'EXPIRED' ? 'expired' : 'error', { [SPAN_ATTRIBUTES.errorCode]: body.code });
        await this.sessions.finish(sessionId, messageId, { text: '', error: { code: body.code, message: body.message } });
        // An expired message is work shed, not a failure: audited as its own outcome.
        await this.interactions.ended(messageId, body.code === 'EXPIRED' ? { outcome: 'expired' } : { outcome: `error:${body.code}` });
        this.gateway.emitToSession(sessionId, SERVER_EVENTS.error, event);
        return;
      }
    }
  }

  private async done(response: Delivered<ChatResponse>, body: ResponseDone): Promise<void> {
    const { sessionId, messageId } = response;
    const inFlight = this.sessions.inFlightMessage(messageId);
    // Sources the user may read, as of now, within what the message was accepted with.
    const citations = await this.citations.allowed(body.citations, inFlight?.scope);
    const event = doneEventOf(response, body, citations, inFlight);
    const { timings, attributions } = event;
    if (!this.tracker.done(event, body.generationId)) return;
    this.traceDelivery(response, 'ok', {
      [SPAN_ATTRIBUTES.chunksDelivered]: body.chunks,
      [SPAN_ATTRIBUTES.model]: body.model,
      [SPAN_ATTRIBUTES.generatedTokens]: body.usage.completionTokens,
      [SPAN_ATTRIBUTES.finishReason]: body.finishReason,
    });
    const details = { moderation: body.moderation, usage: body.usage, model: body.model, timings };
    await this.sessions.finish(sessionId, messageId, { text: body.text, finishReason: body.finishReason, citations, grounding: body.grounding, attributions, details });
    this.gateway.emitToSession(sessionId, SERVER_EVENTS.done, event);
    // Only one gateway audits it, once: the one that accepted it, or (shared store) the first to claim it.
    const owned = await this.interactions.ended(messageId, {
      outcome: 'answered',
      moderation: body.moderation.action,
      finishReason: body.finishReason,
      completionTokens: body.usage.completionTokens,
      citedDocuments: citations.filter((c) => c.cited).map((c) => c.documentId),
      totalMs: Math.round(timings.totalMs),
    });
    if (!owned) return;
    this.logger.log({ msg: 'answered', finishReason: body.finishReason, completionTokens: body.usage.completionTokens, totalMs: Math.round(timings.totalMs) });
  }

  /**
   * The last span of a message's trace, recorded by the gateway that accepted it: its delivery to the client, from
   * the first chunk (or, with none, this record's arrival) to the done or error now being sent.
   */
  private traceDelivery(response: Delivered<ChatResponse>, outcome: SpanOutcome, attributes: Record<string, string | number>): void {
    const inFlight = this.sessions.inFlightMessage(response.messageId);
    if (!inFlight) return;
    recordSpan('gateway deliver', {
      parent: contextFromTraceparent(response.traceparent),
      startTime: inFlight.firstChunkAt ?? response.receivedAt,
      attributes: {
        [SPAN_ATTRIBUTES.stage]: 'gateway',
        [SPAN_ATTRIBUTES.topic]: TOPICS.responses,
        [SPAN_ATTRIBUTES.correlationId]: response.correlationId,
        [SPAN_ATTRIBUTES.messageId]: response.messageId,
        [SPAN_ATTRIBUTES.sessionId]: response.sessionId,
        ...attributes,
        [SPAN_ATTRIBUTES.outcome]: outcome,
      },
    });
  }
}
