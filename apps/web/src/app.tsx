import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from './api/api-error';
import { sessionsApi } from './api/sessions-api';
import { ChatSidebar } from './components/chat-sidebar';
import { CitationsPanel } from './components/citations-panel';
import { ConnectionStatus } from './components/connection-status';
import { ConversationView } from './components/conversation-view';
import { DocumentsPanel } from './components/documents-panel';
import { useStore } from './components/use-store';
import { type ChatEntry, ChatList } from './state/chat-list';
import { ChatSession } from './state/chat-session';
import type { Exchange } from './state/exchange';
import { PendingStore } from './state/pending-store';
import { applyTheme, savedTheme, type ThemeChoice } from './theme';

const THEMES: ThemeChoice[] = ['system', 'light', 'dark'];
const chatList = new ChatList(localStorage);

type Panel = { kind: 'sources'; messageKey: string; n?: number } | { kind: 'documents' } | null;

/** The page: chats on the left, the open chat in the middle, sources or documents on the right. */
export function App() {
  const list = useStore(chatList.store);
  const active = list.chats.find((c) => c.sessionId === list.activeSessionId) ?? null;
  const [panel, setPanel] = useState<Panel>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [theme, setTheme] = useState<ThemeChoice>(savedTheme);
  const [startError, setStartError] = useState<string | null>(null);

  const session = useMemo(() => (active ? new ChatSession(active, (q) => chatList.touched(active.sessionId, q)) : null), [active?.sessionId]);
  useEffect(() => {
    if (!session) return;
    void session.open();
    return () => session.close();
  }, [session]);
  const view = useStore(session?.view ?? emptyStore);

  const newChat = async () => {
    try {
      chatList.add(await sessionsApi.create());
      setStartError(null);
      setPanel(null);
      setMenuOpen(false);
    } catch (err) {
      setStartError(err instanceof ApiError ? err.message : String(err));
    }
  };

  // The first visit starts a chat, so the page is ready to type in.
  useEffect(() => {
    if (!chatList.active) void newChat();
  }, []);

  const deleteChat = async (chat: ChatEntry) => {
    if (!confirm(`Delete “${chat.title}” and its history?`)) return;
    try {
      await sessionsApi.delete(chat.sessionId, chat.token);
    } catch (err) {
      // Already gone on the server (404/401): forgetting it here is all that is left to do.
      if (!(err instanceof ApiError && (err.status === 404 || err.status === 401))) {
        setStartError(`Could not delete “${chat.title}”: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    new PendingStore(localStorage, chat.sessionId).clear();
    chatList.remove(chat.sessionId);
    if (!chatList.active) void newChat();
  };

  const showSources = (exchange: Exchange, n?: number) => setPanel({ kind: 'sources', messageKey: exchange.key, n });
  const sourcesOf = panel?.kind === 'sources' ? view?.exchanges.find((e) => e.key === panel.messageKey) : undefined;

  return (
    <div class={`app${menuOpen ? ' menu-open' : ''}${panel ? ' panel-open' : ''}`}>
      <a
        class="skip-link"
        href="#message"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('message')?.focus();
        }}
      >
        Skip to the message box
      </a>
      <ChatSidebar
        chats={list.chats}
        activeSessionId={list.activeSessionId}
        onNew={() => void newChat()}
        onSelect={(id) => {
          chatList.select(id);
          setPanel(null);
          setMenuOpen(false);
        }}
        onRename={(id, title) => chatList.rename(id, title)}
        onDelete={(chat) => void deleteChat(chat)}
      />
      {menuOpen ? <div class="scrim" aria-hidden="true" onClick={() => setMenuOpen(false)} /> : null}
      <main class="main">
        <header class="topbar">
          <button type="button" class="icon-button menu-button" aria-label="Chats" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
            ☰
          </button>
          <h1 class="chat-title">{active?.title ?? 'Relay'}</h1>
          {view ? <ConnectionStatus state={view.connection} /> : null}
          <button type="button" class="button" aria-expanded={panel?.kind === 'documents'} onClick={() => setPanel(panel?.kind === 'documents' ? null : { kind: 'documents' })}>
            Documents
          </button>
          <button
            type="button"
            class="icon-button"
            aria-label={`Theme: ${theme}. Change theme`}
            title={`Theme: ${theme}`}
            onClick={() => {
              const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
              applyTheme(next);
              setTheme(next);
            }}
          >
            {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
          </button>
        </header>
        {startError ? (
          <div class="error banner" role="alert" data-testid="start-error">
            <p>{startError}</p>
            <button type="button" class="button" onClick={() => void newChat()}>
              Try again
            </button>
          </div>
        ) : null}
        {session ? <ConversationView key={session.chat.sessionId} session={session} onShowSources={showSources} /> : null}
      </main>
      {panel?.kind === 'documents' ? <DocumentsPanel onClose={() => setPanel(null)} /> : null}
      {panel?.kind === 'sources' && sourcesOf ? <CitationsPanel
          citations={sourcesOf.answer.citations}
          highlighted={panel.n}
          live={sourcesOf.answer.state === 'waiting' || sourcesOf.answer.state === 'streaming'}
          onClose={() => setPanel(null)}
        /> : null}
    </div>
  );
}

const emptyStore = { get: () => null, subscribe: () => () => undefined };
