import { z } from 'zod';
import { chatControlSchema } from './messages/chat-control.dto';
import { chatPromptSchema } from './messages/chat-prompt.dto';
import { chatQuerySchema } from './messages/chat-query.dto';
import { chatResponseSchema } from './messages/chat-response.dto';
import { documentIndexedSchema } from './messages/document-indexed.dto';
import { documentIngestSchema } from './messages/document-ingest.dto';
import { embeddedQuerySchema } from './messages/embedded-query.dto';
import { preprocessedQuerySchema } from './messages/preprocessed-query.dto';
import { retrievedContextSchema } from './messages/retrieved-context.dto';
import { workerCapacitySchema } from './messages/worker-capacity.dto';

/**
 * Every topic Relay uses. A query flows
 * chat.queries → pre-processor → chat.preprocessed → embedder → chat.embedded → retriever → chat.retrieved
 * → prompt builder → chat.prompts → LLM worker → chat.responses → gateway. Keys are session ids throughout.
 * Documents flow gateway → docs.ingest → ingestion stage → docs.indexed → gateway, keyed by document id.
 * Every LLM worker reports its capacity on llm.capacity, keyed by worker id, to every gateway (admission by estimate).
 */
export const TOPICS = {
  queries: 'chat.queries',
  preprocessed: 'chat.preprocessed',
  embedded: 'chat.embedded',
  retrieved: 'chat.retrieved',
  prompts: 'chat.prompts',
  responses: 'chat.responses',
  control: 'chat.control',
  deadLetters: 'chat.dlq',
  documentIngest: 'docs.ingest',
  documentIndexed: 'docs.indexed',
  capacity: 'llm.capacity',
} as const;

/** The payload schema of each enveloped topic. The dead-letter topic carries raw original values instead. */
export const TOPIC_PAYLOAD_SCHEMAS = {
  [TOPICS.queries]: chatQuerySchema,
  [TOPICS.preprocessed]: preprocessedQuerySchema,
  [TOPICS.embedded]: embeddedQuerySchema,
  [TOPICS.retrieved]: retrievedContextSchema,
  [TOPICS.prompts]: chatPromptSchema,
  [TOPICS.responses]: chatResponseSchema,
  [TOPICS.control]: chatControlSchema,
  [TOPICS.documentIngest]: documentIngestSchema,
  [TOPICS.documentIndexed]: documentIndexedSchema,
  [TOPICS.capacity]: workerCapacitySchema,
} as const;

export type EnvelopedTopic = keyof typeof TOPIC_PAYLOAD_SCHEMAS;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
export type TopicPayload<T extends EnvelopedTopic> = z.infer<(typeof TOPIC_PAYLOAD_SCHEMAS)[T]>;

export const isEnvelopedTopic = (topic: string): topic is EnvelopedTopic => topic in TOPIC_PAYLOAD_SCHEMAS;

/**
 * What a publisher does when a topic's queue is full. The ingress topic refuses at once so the client hears BUSY;
 * inner topics make the producing stage wait, which pushes back up the pipeline without dropping anything.
 */
export const TOPIC_WHEN_FULL: Record<TopicName, 'reject' | 'wait'> = {
  [TOPICS.queries]: 'reject',
  [TOPICS.preprocessed]: 'wait',
  [TOPICS.embedded]: 'wait',
  [TOPICS.retrieved]: 'wait',
  [TOPICS.prompts]: 'wait',
  [TOPICS.responses]: 'wait',
  [TOPICS.control]: 'wait',
  [TOPICS.deadLetters]: 'wait',
  // An upload is ingress like a chat message: refuse at once (503 BUSY) rather than hold the HTTP request.
  [TOPICS.documentIngest]: 'reject',
  [TOPICS.documentIndexed]: 'wait',
  [TOPICS.capacity]: 'wait',
};
