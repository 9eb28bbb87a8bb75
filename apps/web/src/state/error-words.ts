/** What each protocol error means to a chat user, in plain words (the server's message is kept as detail). */
const WORDS: Record<string, string> = {
  EMPTY_MESSAGE: 'Type a message first.',
  MESSAGE_TOO_LONG: 'This message is too long. Shorten it and send it again.',
  UNKNOWN_SESSION: 'This chat no longer exists on the server. Start a new chat.',
  PROFANITY: 'Not sent to the model: the message contains words the profanity filter does not allow. Rephrase it and try again.',
  PIPELINE_FAILED: 'Relay could not process this message. Try again in a moment.',
  GENERATION_FAILED: 'The model failed to answer. Try again in a moment.',
  EXPIRED: 'This message waited too long for an answer, so Relay stopped working on it. Send it again.',
  INVALID_PAYLOAD: 'The page sent something the server did not understand. Reload the page.',
  INTERNAL: 'Something went wrong on the server. Try again in a moment.',
  NETWORK: 'Relay cannot be reached. Check your connection.',
};

export function errorWords(code: string, serverMessage: string): string {
  return WORDS[code] ?? serverMessage;
}

/** A refusal by estimate in words: "Relay is busy: an answer now would take about 3 min. Trying again in 40 s…". */
export function busyWords(estimatedWaitMs: number, retryInMs: number): string {
  return `Relay is busy: an answer now would take about ${duration(estimatedWaitMs)}. Trying again in ${duration(retryInMs)}…`;
}

function duration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
