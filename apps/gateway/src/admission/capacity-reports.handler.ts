import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Delivered, TOPICS, WorkerCapacity } from '@relay/contracts';
import { CapacityBoard } from './capacity-board';

/** llm.capacity → the board admission reads: every gateway replica hears every worker's reports. */
@Controller()
export class CapacityReportsHandler {
  constructor(private readonly board: CapacityBoard) {}

  @EventPattern(TOPICS.capacity, { stage: 'gateway', delivery: 'every-replica' })
  handle(@Payload() report: Delivered<WorkerCapacity>): void {
    this.board.record(report.payload);
  }
}
