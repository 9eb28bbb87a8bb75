// The closed set of error codes a client or an operator can see. Every edge maps errors onto one of these.
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'EMPTY_MESSAGE',
  'MESSAGE_TOO_LONG',
  'UNKNOWN_SESSION',
  'UNKNOWN_MESSAGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  // A write that a cross-site page could have sent: no documents token and no proof of the same origin (REST 403).
  'CROSS_SITE_REQUEST',
  // A Host header that is not one of this server's names (DNS rebinding) (REST 421, Socket.IO handshake refused).
  'HOST_NOT_ALLOWED',
  'NOT_FOUND',
  'RATE_LIMITED',
  'BUSY',
  'PROFANITY',
  'PIPELINE_FAILED',
  'GENERATION_FAILED',
  // The message's deadline (ANSWER_DEADLINE_MS after the gateway accepted it) passed before its answer began; no
  // stage worked on it after that. Retryable: sending it again gives it a new deadline.
  'EXPIRED',
  // chat:resume: the answer began before this gateway started and could not be read back from the log (older than
  // the log's retention, beyond RESUME_MAX_SCAN_RECORDS, or the log did not answer in time). Read chat:history.
  'RESUME_UNAVAILABLE',
  // Documents (REST /api/documents): each message names the file.
  'UNSUPPORTED_DOCUMENT',
  'DOCUMENT_TOO_LARGE',
  'EMPTY_DOCUMENT',
  'CORRUPT_DOCUMENT',
  'INDEXING_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
