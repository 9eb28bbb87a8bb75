import type { ErrorCode } from './error-codes';

/** A failure with a stable code and a message fit for a user. Edges turn it into what they speak. */
export class RelayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** The transport refused a record because the topic's queue is full: the caller should retry later. */
export class BusyError extends RelayError {
  constructor(topic: string) {
    super('BUSY', `Relay is busy (queue for ${topic} is full); try again shortly`);
    this.name = 'BusyError';
  }
}
