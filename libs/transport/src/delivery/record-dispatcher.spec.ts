import { CORRELATION_HEADER, createEnvelope, DEAD_LETTER_HEADERS, Delivered, nowMs, TOPICS } from '@relay/contracts';
import { CorrelationContext, CorrelationFields, RelayMetrics } from '@relay/observability';
import type { TransportRecord } from '../transport-record';
import { DeliveryTarget, RecordDispatcher } from './record-dispatcher';
import type { RetryPolicy } from './retry-policy';

const FAST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

class RecordingLogger {
  readonly warnings: Array<{ obj: object; msg: string }> = [];
  readonly errors: Array<{ obj: object; msg: string }> = [];
  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }
  error(obj: object, msg: string): void {
    this.errors.push({ obj, msg });
  }
}

/** A handler whose calls are recorded; `failures` says how many of the first calls throw. */
class FakeTarget implements DeliveryTarget {
  readonly calls: Array<{ message: unknown; record: TransportRecord; context: CorrelationFields | undefined }> = [];
  constructor(
    readonly stage = 'test-stage',
    private failures = 0,
    private readonly failWith: unknown = new Error('handler broke'),
  ) {}
  async handle(message: Delivered<unknown> | TransportRecord, record: TransportRecord): Promise<void> {
    // Copy: the dispatcher's context object is the live one.
    const context = CorrelationContext.current();
    this.calls.push({ message: structuredClone(message), record, context: context && { ...context } });
    if (this.failures > 0) {
      this.failures--;
      throw this.failWith;
    }
  }
}

function setup(retry: RetryPolicy = FAST_RETRY) {
  const deadLetters: TransportRecord[] = [];
  const logger = new RecordingLogger();
  const metrics = new RelayMetrics();
  const dispatcher = new RecordDispatcher(retry, async (r) => void deadLetters.push(r), logger, metrics);
  return { dispatcher, deadLetters, logger, metrics };
}

function controlRecord(overrides: { sessionId?: string; key?: string; correlationId?: string; header?: string } = {}) {
  const envelope = createEnvelope({
    sessionId: overrides.sessionId ?? 'session-1',
    messageId: 'message-1',
    correlationId: overrides.correlationId ?? 'corr-1',
    payload: { type: 'cancel' as const },
  });
  envelope.sentAt = nowMs();
  const record: TransportRecord = {
    topic: TOPICS.control,
    key: overrides.key ?? envelope.sessionId,
    value: JSON.stringify(envelope),
    headers: { [CORRELATION_HEADER]: overrides.header ?? envelope.correlationId },
  };
  return { envelope, record };
}

function rawRecord(value: string, topic: string = TOPICS.control): TransportRecord {
  return { topic, key: 'session-1', value, headers: { [CORRELATION_HEADER]: 'corr-raw', 'x-custom': 'kept' } };
}

describe('RecordDispatcher', () => {
  it('delivers a valid envelope to its handler with receivedAt stamped', async () => {
    const { dispatcher, deadLetters } = setup();
    const target = new FakeTarget();
    const { envelope, record } = controlRecord();

    const before = nowMs();
    await dispatcher.dispatch(record, target);
    const after = nowMs();

    expect(target.calls).toHaveLength(1);
    const message = target.calls[0].message as Delivered<unknown>;
    expect(message).toMatchObject({
      messageId: envelope.messageId,
      sessionId: envelope.sessionId,
      correlationId: envelope.correlationId,
      payload: { type: 'cancel' },
    });
    expect(message.receivedAt).toBeGreaterThanOrEqual(before);
    expect(message.receivedAt).toBeLessThanOrEqual(after);
    expect(target.calls[0].record).toBe(record);
    expect(deadLetters).toEqual([]);
  });

  it("makes the envelope's correlation id, message id and session id current inside the handler", async () => {
    const { dispatcher } = setup();
    const target = new FakeTarget();
    // The header says one thing, the envelope another: the envelope is the authority once parsed.
    const { record } = controlRecord({ correlationId: 'corr-from-envelope', header: 'corr-from-header' });

    await dispatcher.dispatch(record, target);

    expect(target.calls[0].context).toEqual({
      correlationId: 'corr-from-envelope',
      messageId: 'message-1',
      sessionId: 'session-1',
      topic: TOPICS.control,
    });
    expect(CorrelationContext.current()).toBeUndefined();
  });

  describe('dead-letters at once, without calling the handler,', () => {
    const cases: Array<{ name: string; record: () => TransportRecord; reason: string | RegExp }> = [
      { name: 'a value that is not JSON', record: () => rawRecord('{"broken": "é\u0000 '), reason: 'value is not valid JSON' },
      {
        name: 'a value that fails the topic schema',
        record: () => {
          const { envelope } = controlRecord();
          return rawRecord(JSON.stringify({ ...envelope, payload: { type: 'pause' } }));
        },
        reason: /^invalid message: payload\.type: /,
      },
      {
        name: 'an envelope without its required fields',
        record: () => rawRecord('{"schemaVersion":1}'),
        reason: /^invalid message: /,
      },
      {
        name: 'a record whose key differs from the envelope sessionId',
        record: () => controlRecord({ key: 'someone-else' }).record,
        reason: 'record key does not match the envelope sessionId',
      },
      {
        name: 'a record on an unknown topic',
        record: () => ({ ...controlRecord().record, topic: 'chat.unknown' }),
        reason: 'unknown topic chat.unknown',
      },
    ];

    it.each(cases)('$name', async ({ record: makeRecord, reason }) => {
      const { dispatcher, deadLetters } = setup();
      const target = new FakeTarget('the-stage');
      const record = makeRecord();

      await dispatcher.dispatch(record, target);

      expect(target.calls).toEqual([]);
      expect(deadLetters).toHaveLength(1);
      const dead = deadLetters[0];
      expect(dead.topic).toBe(TOPICS.deadLetters);
      expect(dead.key).toBe(record.key);
      expect(dead.value).toBe(record.value);
      expect(dead.headers[DEAD_LETTER_HEADERS.reason]).toMatch(reason);
      expect(dead.headers[DEAD_LETTER_HEADERS.topic]).toBe(record.topic);
      expect(dead.headers[DEAD_LETTER_HEADERS.stage]).toBe('the-stage');
      expect(dead.headers[DEAD_LETTER_HEADERS.attempts]).toBe('0');
      expect(Number.isNaN(Date.parse(dead.headers[DEAD_LETTER_HEADERS.failedAt]))).toBe(false);
      // The original headers travel along.
      expect(dead.headers[CORRELATION_HEADER]).toBe(record.headers[CORRELATION_HEADER]);
    });
  });

  it('dead-letters a record no handler is registered for, naming the topic', async () => {
    const { dispatcher, deadLetters } = setup();
    const { record } = controlRecord();

    await dispatcher.dispatch(record, undefined);

    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].value).toBe(record.value);
    expect(deadLetters[0].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: `no handler for topic ${TOPICS.control}`,
      [DEAD_LETTER_HEADERS.topic]: TOPICS.control,
      [DEAD_LETTER_HEADERS.stage]: 'none',
      [DEAD_LETTER_HEADERS.attempts]: '0',
    });
  });

  it('retries a handler that fails twice and delivers on the third attempt without dead-lettering', async () => {
    const { dispatcher, deadLetters, logger } = setup({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    const target = new FakeTarget('flaky', 2);

    await dispatcher.dispatch(controlRecord().record, target);

    expect(target.calls).toHaveLength(3);
    expect(deadLetters).toEqual([]);
    expect(logger.warnings.map((w) => (w.obj as { attempt: number }).attempt)).toEqual([1, 2]);
  });

  it('dead-letters a handler that always fails after maxAttempts, with the attempts and the error message', async () => {
    const { dispatcher, deadLetters } = setup({ maxAttempts: 4, baseDelayMs: 0, maxDelayMs: 0 });
    const target = new FakeTarget('broken', Infinity, new Error('database is down'));
    const { record } = controlRecord();

    await dispatcher.dispatch(record, target);

    expect(target.calls).toHaveLength(4);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0].value).toBe(record.value);
    expect(deadLetters[0].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'database is down',
      [DEAD_LETTER_HEADERS.stage]: 'broken',
      [DEAD_LETTER_HEADERS.attempts]: '4',
      [DEAD_LETTER_HEADERS.topic]: TOPICS.control,
    });
  });

  it('does not retry when maxAttempts is 1', async () => {
    const { dispatcher, deadLetters } = setup({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
    const target = new FakeTarget('once', 1);

    await dispatcher.dispatch(controlRecord().record, target);

    expect(target.calls).toHaveLength(1);
    expect(deadLetters[0].headers[DEAD_LETTER_HEADERS.attempts]).toBe('1');
  });

  it('records a thrown non-Error as the reason and caps the reason at 1000 characters', async () => {
    const thrown = setup({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
    await thrown.dispatcher.dispatch(controlRecord().record, new FakeTarget('s', 1, 'plain string'));
    expect(thrown.deadLetters[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('plain string');

    const long = setup({ maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 });
    await long.dispatcher.dispatch(controlRecord().record, new FakeTarget('s', 1, new Error('x'.repeat(5000))));
    expect(long.deadLetters[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('x'.repeat(1000));
  });

  it('hands dead-letter records to their handler raw, and swallows its failure without re-dead-lettering', async () => {
    const { dispatcher, deadLetters, logger } = setup();
    const target = new FakeTarget('dlq-handler', 1);
    const record = rawRecord('not even json', TOPICS.deadLetters);

    await expect(dispatcher.dispatch(record, target)).resolves.toBeUndefined();

    expect(target.calls).toHaveLength(1);
    expect(target.calls[0].message).toEqual(record);
    expect(deadLetters).toEqual([]);
    expect(logger.errors.map((e) => e.msg)).toContain('dead-letter handler failed');
  });

  it('never throws when the dead letter itself cannot be published', async () => {
    const logger = new RecordingLogger();
    const dispatcher = new RecordDispatcher(
      FAST_RETRY,
      async () => {
        throw new Error('dlq unavailable');
      },
      logger,
    );

    await expect(dispatcher.dispatch(rawRecord('garbage'), new FakeTarget())).resolves.toBeUndefined();
    expect(logger.errors.map((e) => e.msg)).toContain('could not publish dead letter');
  });
});

describe('RecordDispatcher metrics', () => {
  /** One sample's value from the registry, by metric name and labels. */
  async function sample(metrics: RelayMetrics, name: string, labels: Record<string, string>): Promise<number> {
    const metric = metrics.registry.registry.getSingleMetric(name);
    const values = (await metric!.get()).values;
    const found = values.find((v) => ((v as { metricName?: string }).metricName ?? name) === (name.endsWith('_duration_seconds') ? `${name}_count` : name) && Object.entries(labels).every(([k, val]) => v.labels[k] === val));
    return found?.value ?? 0;
  }

  it('counts a record handled after a retry, the failure, the retry and the handling time, under its stage', async () => {
    const { dispatcher, metrics } = setup();
    await dispatcher.dispatch(controlRecord().record, new FakeTarget('preprocessor', 1));
    expect(await sample(metrics, 'relay_stage_records_total', { stage: 'preprocessor', outcome: 'handled' })).toBe(1);
    expect(await sample(metrics, 'relay_stage_handler_failures_total', { stage: 'preprocessor' })).toBe(1);
    expect(await sample(metrics, 'relay_stage_retries_total', { stage: 'preprocessor' })).toBe(1);
    expect(await sample(metrics, 'relay_stage_handling_duration_seconds', { stage: 'preprocessor' })).toBe(1);
    expect(await sample(metrics, 'relay_stage_queue_duration_seconds', { stage: 'preprocessor' })).toBe(1);
    expect(await sample(metrics, 'relay_dead_letters_total', { stage: 'preprocessor' })).toBe(0);
  });

  it('counts a dead letter by stage and reason: a handler that keeps failing, and an invalid record', async () => {
    const { dispatcher, metrics } = setup();
    await dispatcher.dispatch(controlRecord().record, new FakeTarget('retriever', 10));
    await dispatcher.dispatch({ ...controlRecord().record, value: '{not json' }, new FakeTarget('retriever'));
    expect(await sample(metrics, 'relay_dead_letters_total', { stage: 'retriever', reason: 'handler_failed' })).toBe(1);
    expect(await sample(metrics, 'relay_dead_letters_total', { stage: 'retriever', reason: 'invalid' })).toBe(1);
    expect(await sample(metrics, 'relay_stage_records_total', { stage: 'retriever', outcome: 'dead_lettered' })).toBe(2);
    expect(await sample(metrics, 'relay_stage_retries_total', { stage: 'retriever' })).toBe(FAST_RETRY.maxAttempts - 1);
  });
});
