import { httpConfigSchema, intVar, optionalStringVar } from '@relay/config';
import { resolve } from 'node:path';
import { z } from 'zod';

export const gatewayConfigSchema = httpConfigSchema.extend({
  AUTH_SECRET: z
    .string({ message: 'is required: a random secret of at least 32 characters that signs session tokens (npm run setup writes one to .env)' })
    .min(32, { message: 'must be at least 32 characters' }),
  MAX_MESSAGE_CHARS: intVar(4000, 1, 1_000_000),
  HISTORY_MAX_TURNS: intVar(20, 0, 1000),
  CHAT_RATE_PER_SEC: intVar(5, 1, 10_000),
  CHAT_RATE_BURST: intVar(10, 1, 100_000),
  /** Largest uploaded document file, in bytes (at most 16 MiB: its text travels in one docs.ingest record). */
  MAX_DOCUMENT_BYTES: intVar(10 * 1024 * 1024, 1, 16 * 1024 * 1024),
  /** How long an upload waits for its document to be indexed before answering 202 (still indexing). */
  INGEST_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
  /** When set, uploading and deleting documents need `Authorization: Bearer <this>`; empty: open. */
  DOCUMENTS_TOKEN: optionalStringVar(),
  /** The built web client served at `/`; empty: dist/web of this build (where `npm run build` puts it). */
  WEB_DIR: optionalStringVar(),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** dist/apps/gateway/src → dist/web. */
export const webDirOf = (config: GatewayConfig): string => config.WEB_DIR || resolve(__dirname, '../../../web');

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
