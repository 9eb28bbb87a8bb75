import { parseEnv } from '@relay/config';
import { TOPICS } from '@relay/contracts';
import { AuditLog } from '@relay/observability';
import { deliveredRecord, RecordingTopicPublisher } from '@relay/testing';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineConfigSchema } from '../pipeline.config';
import { PreprocessorHandler } from './preprocessor.handler';

function setup() {
  const publisher = new RecordingTopicPublisher();
  const audit = new AuditLog(join(tmpdir(), `relay-preprocessor-spec-${process.pid}.jsonl`));
  const recorded: unknown[] = [];
  audit.record = (entry) => void recorded.push(entry);
  const sut = new PreprocessorHandler(publisher, audit, parseEnv(pipelineConfigSchema, {}));
  return { sut, publisher, recorded };
}

const query = { userId: 'u1', clientMessageId: 'c1', text: 'What is Relay?', history: [], scope: { collectionIds: ['default'], excludedDocumentIds: [] } };

describe('PreprocessorHandler deadline', () => {
  it('skips a query past its deadline: EXPIRED to the client, nothing passed on, no request recorded', async () => {
    const { sut, publisher, recorded } = setup();
    await sut.handle(deliveredRecord(query, { deadlineInMs: -1 }));
    expect(publisher.published.map((p) => [p.topic, (p.envelope.payload as { type?: string; code?: string }).code])).toEqual([[TOPICS.responses, 'EXPIRED']]);
    expect(recorded).toEqual([]);
  });

  it('passes a query within its deadline on, with the deadline', async () => {
    const { sut, publisher } = setup();
    const record = deliveredRecord(query, { deadlineInMs: 60_000 });
    await sut.handle(record);
    expect(publisher.on(TOPICS.preprocessed).map((p) => p.envelope.deadline)).toEqual([record.deadline]);
  });
});
