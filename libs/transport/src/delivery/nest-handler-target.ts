import type { MessageHandler } from '@nestjs/microservices';
import { BaseRpcContext } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
import type { TransportRecord } from '../transport-record';
import type { DeliveryTarget } from './record-dispatcher';

/** Options an `@EventPattern` may carry for Relay's transports, e.g. `@EventPattern(TOPICS.queries, { stage: 'preprocessor' })`. */
export interface StageExtras {
  stage?: string;
  /**
   * `shared` (default): the app's replicas share the topic's records, each record handled once per app.
   * `every-replica`: every replica gets every record (the gateway's answers, the LLM workers' cancels).
   */
  delivery?: 'shared' | 'every-replica';
  /** False: the transport opens no span per record; the handler records its own (see DeliveryTarget.traced). */
  traced?: boolean;
}

/** The context a handler can ask for with `@Ctx()`: the record as the transport received it. */
export class RecordContext extends BaseRpcContext<[TransportRecord]> {
  getRecord(): TransportRecord {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[0].topic;
  }
}

/**
 * A Nest message handler (with any chained after it on the same topic, which Nest runs with it) as a DeliveryTarget: its result, promise or
 * observable, is awaited so a failure reaches the dispatcher's retries instead of being swallowed (nest #4241).
 */
export function nestHandlerTarget(
  topic: string,
  head: MessageHandler,
  toObservable: (result: unknown) => Observable<unknown>,
): DeliveryTarget {
  const extras = (head.extras ?? {}) as StageExtras;
  return {
    stage: extras.stage ?? topic,
    traced: extras.traced ?? true,
    handle: async (message, record) => {
      // Only the head: Nest's wrapper of an event handler runs the handlers chained after it itself and joins
      // their results into what it returns (calling `next` here too ran each of them twice).
      const result = await head(message, new RecordContext([record]));
      await lastValueFrom(toObservable(result), { defaultValue: undefined });
    },
  };
}
