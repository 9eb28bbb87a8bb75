import type { AnswerStatus } from '../state/exchange';

/** English ordinal: 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st, 22nd. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

const RESTARTED = 'A worker restarted; continuing.';

/**
 * What a waiting answer says while nothing of it has streamed yet; `sources`: how many arrived (chat:sources). Once
 * a worker restarted the answer, the note says so before where the answer is now.
 */
export function waitingNote(status: AnswerStatus | undefined, sources = 0): string {
  if (status?.state === 'restarted') return 'A worker restarted; continuing…';
  const note = whereItIs(status, sources);
  return status?.restarted ? `${RESTARTED} ${note}` : note;
}

function whereItIs(status: AnswerStatus | undefined, sources: number): string {
  if (status?.state === 'queued') return `Waiting for the model: ${ordinal(status.position)} in line…`;
  if (status?.state === 'generating') return sources > 0 ? `The model is reading ${sources === 1 ? 'the source' : `${sources} sources`} and your question…` : 'The model is reading your question…';
  if (sources > 0) return `Reading ${sources} ${sources === 1 ? 'source' : 'sources'}…`;
  if (status?.state === 'building') return 'Preparing the question for the model…';
  return 'Searching your documents…';
}
