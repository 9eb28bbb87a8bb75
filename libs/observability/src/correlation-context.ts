import { AsyncLocalStorage } from 'node:async_hooks';

export interface CorrelationFields {
  correlationId: string;
  messageId?: string;
  sessionId?: string;
  topic?: string;
}

const storage = new AsyncLocalStorage<CorrelationFields>();

/**
 * The correlation id of the message being worked on, restored by each edge (socket event, HTTP request,
 * transport delivery) so every log line reads it without passing it by hand.
 */
export const CorrelationContext = {
  run<T>(fields: CorrelationFields, fn: () => T): T {
    return storage.run(fields, fn);
  },
  current(): CorrelationFields | undefined {
    return storage.getStore();
  },
};
