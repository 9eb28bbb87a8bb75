import { BaseRpcContext } from '@nestjs/microservices';
import type { TransportRecord } from '../transport-record';

/** What an in-process handler can ask about the record it was given (`@Ctx() ctx: InProcessContext`). */
export class InProcessContext extends BaseRpcContext<[TransportRecord]> {
  getRecord(): TransportRecord {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[0].topic;
  }
}
