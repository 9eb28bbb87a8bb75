import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type AuditRecord =
  | {
      kind: 'request';
      userId: string;
      sessionId: string;
      messageId: string;
      correlationId: string;
      receivedAt: string;
      length: number;
      moderation: 'none' | 'masked' | 'rejected';
    }
  | {
      kind: 'interaction';
      sessionId: string;
      messageId: string;
      correlationId: string;
      outcome: string;
      finishReason?: string;
      completionTokens?: number;
      citedDocuments?: string[];
      totalMs?: number;
    };

/**
 * Append-only JSON-lines audit trail of every interaction, kept apart from the operational log so it can be
 * retained and shipped on its own. Holds ids and outcomes, never message text.
 */
@Injectable()
export class AuditLog implements OnModuleDestroy {
  private stream?: WriteStream;

  constructor(private readonly path: string) {}

  record(entry: AuditRecord): void {
    this.stream ??= this.open();
    this.stream.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }

  async onModuleDestroy(): Promise<void> {
    const stream = this.stream;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }

  private open(): WriteStream {
    mkdirSync(dirname(this.path), { recursive: true });
    return createWriteStream(this.path, { flags: 'a' });
  }
}
