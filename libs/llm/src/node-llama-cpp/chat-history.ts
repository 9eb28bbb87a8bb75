import type { LlmMessage } from '@relay/contracts';
import type { ChatHistoryItem } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

/** Our messages in node-llama-cpp's history format, ending with the empty model turn to be generated. */
export function toChatHistory(messages: LlmMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content },
  );
  history.push({ type: 'model', response: [] });
  return history;
}
