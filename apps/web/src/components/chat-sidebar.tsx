import { useState } from 'preact/hooks';
import type { ChatEntry } from '../state/chat-list';
import { TrashIcon } from './trash-icon';

interface Props {
  chats: ChatEntry[];
  activeSessionId: string | null;
  onNew(): void;
  onSelect(sessionId: string): void;
  onRename(sessionId: string, title: string): void;
  onDelete(chat: ChatEntry): void;
}

/** The chats of this browser: start one, switch, rename in place, delete. */
export function ChatSidebar({ chats, activeSessionId, onNew, onSelect, onRename, onDelete }: Props) {
  const [editing, setEditing] = useState<string | null>(null);

  return (
    <nav class="sidebar" aria-label="Chats">
      <button type="button" class="button primary new-chat" onClick={onNew}>
        + New chat
      </button>
      <ul class="chat-list">
        {chats.map((chat) => (
          <li key={chat.sessionId} class={`chat-item${chat.sessionId === activeSessionId ? ' active' : ''}`} data-testid="chat-item">
            {editing === chat.sessionId ? (
              <form
                class="rename"
                onSubmit={(e) => {
                  e.preventDefault();
                  const input = (e.currentTarget as HTMLFormElement).elements.namedItem('title') as HTMLInputElement;
                  onRename(chat.sessionId, input.value);
                  setEditing(null);
                }}
              >
                <input
                  name="title"
                  aria-label="Chat name"
                  defaultValue={chat.title}
                  ref={(el) => el?.focus()}
                  onKeyDown={(e) => e.key === 'Escape' && setEditing(null)}
                  onBlur={(e) => {
                    onRename(chat.sessionId, e.currentTarget.value);
                    setEditing(null);
                  }}
                />
              </form>
            ) : (
              <>
                <button
                  type="button"
                  class="chat-select"
                  aria-current={chat.sessionId === activeSessionId ? 'page' : undefined}
                  onClick={() => onSelect(chat.sessionId)}
                >
                  {chat.title}
                </button>
                <button type="button" class="icon-button" aria-label={`Rename ${chat.title}`} title="Rename" onClick={() => setEditing(chat.sessionId)}>
                  ✎
                </button>
                <button type="button" class="icon-button" aria-label={`Delete ${chat.title}`} title="Delete" onClick={() => onDelete(chat)}>
                  <TrashIcon />
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
