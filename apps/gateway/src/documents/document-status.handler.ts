import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, DocumentIndexed, TOPICS } from '@relay/contracts';
import { DocumentsService } from './documents.service';

/** Hears what became of each document; every gateway replica hears every status, so the one that took the upload answers it. */
@Controller()
export class DocumentStatusHandler {
  constructor(private readonly documents: DocumentsService) {}

  @EventPattern(TOPICS.documentIndexed, { stage: 'gateway', delivery: 'every-replica' })
  async handle(@Payload() status: Delivered<DocumentIndexed>): Promise<void> {
    await this.documents.onStatus(status.payload);
  }
}
