import { boolVar, httpConfigSchema, intVar, numberVar, optionalStringVar } from '@relay/config';
import { resolve } from 'node:path';
import { z } from 'zod';
import { authConfigFields, checkAuthConfig } from './auth/auth.config';

export const gatewayConfigSchema = httpConfigSchema.extend({
  AUTH_SECRET: z
    .string({ message: 'is required: a random secret of at least 32 characters that signs session tokens (npm run setup writes one to .env)' })
    .min(32, { message: 'must be at least 32 characters' }),
  MAX_MESSAGE_CHARS: intVar(4000, 1, 1_000_000),
  HISTORY_MAX_TURNS: intVar(20, 0, 1000),
  /** How long after accepting a message its answer may take to begin; past it every stage skips it and the client hears EXPIRED. */
  ANSWER_DEADLINE_MS: intVar(120_000, 100, 86_400_000),
  /** Refuse a chat at once with BUSY and an estimate when the LLM workers' measured throughput could not answer it before its deadline. */
  ADMISSION_ESTIMATE: boolVar(true),
  /** Share of ANSWER_DEADLINE_MS kept in reserve by that estimate: a chat is refused when its estimated wait exceeds the rest (0–0.9). */
  ADMISSION_MARGIN: numberVar(0.2, 0, 0.9),
  /** How long after the last socket of a chat closes (on this gateway) its unfinished answers are cancelled; 0 = never. */
  CLIENT_GONE_GRACE_MS: intVar(15_000, 0, 3_600_000),
  /** chat:resume of an answer that began before this gateway started reads it back from chat.responses: at most this many records of its partition. */
  RESUME_MAX_SCAN_RECORDS: intVar(50_000, 100, 10_000_000),
  /** and for at most this long (ms); past either the client hears RESUME_UNAVAILABLE. */
  RESUME_TIMEOUT_MS: intVar(15_000, 1_000, 300_000),
  /** Host names the gateway answers to besides localhost, IP addresses and HOST (comma-separated; `.example.com` for subdomains; `*` for any). */
  ALLOWED_HOSTS: optionalStringVar(),
  /** Take the client's address from X-Forwarded-For (the address the last proxy saw): only behind a proxy that sets it. */
  TRUST_PROXY: boolVar(false),
  /** chat:send per session (whatever number of sockets it has): sustained rate and burst. */
  CHAT_RATE_PER_SEC: intVar(5, 1, 10_000),
  CHAT_RATE_BURST: intVar(10, 1, 100_000),
  /** Requests per client address over every chat event, socket connection and API call: sustained rate and burst. */
  CLIENT_RATE_PER_SEC: intVar(100, 1, 1_000_000),
  CLIENT_RATE_BURST: intVar(400, 1, 10_000_000),
  /** New sessions per client address: sustained rate (per minute) and burst. */
  SESSION_CREATE_PER_MIN: intVar(60, 1, 1_000_000),
  SESSION_CREATE_BURST: intVar(200, 1, 10_000_000),
  /** Audit entries older than this many days are removed (checked hourly, in the file or the shared table); 0 keeps them all. */
  AUDIT_RETENTION_DAYS: intVar(90, 0, 36_500),
  /** Keep each question's text (as the user sent it) in its audit entry; off: ids, outcomes and counts only. */
  AUDIT_MESSAGE_TEXT: boolVar(false),
  /** Sessions (with their history) the session store keeps in memory; the least recently used are read from disk again. */
  SESSION_CACHE_SIZE: intVar(1000, 1, 10_000_000),
  /** Largest uploaded document file, in bytes (at most 16 MiB: its text travels in one docs.ingest record). */
  MAX_DOCUMENT_BYTES: intVar(10 * 1024 * 1024, 1, 16 * 1024 * 1024),
  /** Uploaded files parsed at once (each PDF in a worker thread with up to 512 MB of heap). */
  MAX_CONCURRENT_PARSES: intVar(2, 1, 64),
  /** Uploads that may wait for a parse slot; beyond that an upload is answered 503 BUSY with Retry-After. */
  PARSE_QUEUE_LIMIT: intVar(16, 0, 10_000),
  /** Most pages of an uploaded PDF (docs.ingest holds at most 100,000 sections). */
  MAX_PDF_PAGES: intVar(2000, 1, 100_000),
  /** Longest a PDF or HTML upload may take to read before it is refused (its worker thread is stopped). */
  PARSE_TIMEOUT_MS: intVar(60_000, 100, 600_000),
  /** How long an upload waits for its document to be indexed before answering 202 (still indexing). */
  INGEST_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
  /** When set, uploading and deleting documents need `Authorization: Bearer <this>`; empty: Relay's own page (or any client sending X-Relay-Request) may. */
  DOCUMENTS_TOKEN: optionalStringVar(),
  /** The built web client served at `/`; empty: dist/web of this build (where `npm run build` puts it). */
  WEB_DIR: optionalStringVar(),
  ...authConfigFields,
}).superRefine(checkAuthConfig);
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** dist/apps/gateway/src → dist/web. */
export const webDirOf = (config: GatewayConfig): string => config.WEB_DIR || resolve(__dirname, '../../../web');

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
