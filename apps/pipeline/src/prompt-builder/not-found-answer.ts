import type { ChatResponse, Moderation } from '@relay/contracts';

/** What Relay answers when nothing in the documents is relevant to the question: plain, and no guess. */
export const NOT_FOUND_TEXT =
  "I couldn't find this in your documents, so I won't guess. Try asking in other words, or add a document that covers it.";

/**
 * The records of a "not in your documents" answer, in the order they are published on chat.responses: one chunk
 * with the whole text, then the done record (finishReason `not_found`, no model, no citations). Its generation id
 * is fixed per message, so a redelivered query yields the same generation, which the gateway delivers once.
 */
export function notFoundAnswer(messageId: string, moderation: Moderation): [ChatResponse, ChatResponse] {
  const generationId = `not-found:${messageId}`;
  return [
    { type: 'chunk', generationId, seq: 0, delta: NOT_FOUND_TEXT },
    {
      type: 'done',
      generationId,
      text: NOT_FOUND_TEXT,
      chunks: 1,
      finishReason: 'not_found',
      citations: [],
      moderation,
      usage: { promptTokens: 0, completionTokens: 0 },
      model: '',
      firstTokenMs: null,
      grounding: 'not_found',
      attributions: [],
    },
  ];
}
