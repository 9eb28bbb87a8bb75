import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { DEAD_LETTER_HEADERS, SERVER_EVENTS, TOPICS } from '@relay/contracts';
import type { TransportRecord } from '@relay/transport';
import { InteractionAudit } from '../audit/interaction-audit';
import { SessionManager } from '../session/session-manager';
import { ChatGateway } from './chat.gateway';

/**
 * Watches chat.dlq so a message that failed anywhere in the pipeline is never silent: the client of that message
 * hears chat:error PIPELINE_FAILED. The dead letter itself stays on the topic for an operator.
 */
@Controller()
export class DeadLetterHandler {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    private readonly sessions: SessionManager,
    private readonly gateway: ChatGateway,
    private readonly interactions: InteractionAudit,
  ) {}

  @EventPattern(TOPICS.deadLetters, { stage: 'gateway-dlq', delivery: 'every-replica' })
  async handle(@Payload() record: TransportRecord): Promise<void> {
    const ids = idsOf(record.value);
    const stage = record.headers[DEAD_LETTER_HEADERS.stage] ?? 'unknown';
    this.logger.warn({ msg: 'dead letter', stage, topic: record.headers[DEAD_LETTER_HEADERS.topic], reason: record.headers[DEAD_LETTER_HEADERS.reason], ...ids });
    if (!ids.messageId || !ids.sessionId) return;
    // Without a shared store only the gateway that accepted the message records and tells it; with one, every
    // replica tells its own sockets and the history and audit keep it once.
    if (!this.sessions.inFlightMessage(ids.messageId) && !this.sessions.recordsEveryAnswer) return;
    const error = {
      code: 'PIPELINE_FAILED' as const,
      message: `Your message could not be processed (the ${stage} stage failed). It has been kept for an operator; please try again.`,
    };
    await this.sessions.finish(ids.sessionId, ids.messageId, { text: '', error });
    await this.interactions.ended(ids.messageId, { outcome: `dead-lettered:${stage}` });
    this.gateway.emitToSession(ids.sessionId, SERVER_EVENTS.error, { sessionId: ids.sessionId, messageId: ids.messageId, ...error });
  }
}

function idsOf(value: string): { sessionId?: string; messageId?: string; correlationId?: string } {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { sessionId: str(parsed.sessionId), messageId: str(parsed.messageId), correlationId: str(parsed.correlationId) };
  } catch {
    return {};
  }
}
