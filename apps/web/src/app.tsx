import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from './api/api-error';
import { authApi, type Me } from './api/auth-api';
import { sessionsApi } from './api/sessions-api';
import { SignInScreen } from './components/sign-in-screen';
import { ChatSidebar } from './components/chat-sidebar';
import { CitationsPanel } from './components/citations-panel';
import { ConnectionStatus } from './components/connection-status';
import { ConversationView } from './components/conversation-view';
import { DocumentsPanel } from './components/documents-panel';
import { useStore } from './components/use-store';
import { type ChatEntry, ChatList, userListKey } from './state/chat-list';
import { ChatSession } from './state/chat-session';
import type { Exchange } from './state/exchange';
import { PendingStore } from './state/pending-store';
import { applyTheme, savedTheme, type ThemeChoice } from './theme';

const THEMES: ThemeChoice[] = ['system', 'light', 'dark'];

type Panel = { kind: 'sources'; messageKey: string; n?: number } | { kind: 'documents' } | null;

/** Asks the server how it signs people in, then shows the sign-in screen or the chats. */
export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    authApi.me().then(setMe, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, []);
  if (error) {
    return (
      <main class="sign-in">
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  }
  if (!me) return <main class="sign-in" aria-busy="true" />;
  if (me.mode !== 'anonymous' && !me.signedIn) return <SignInScreen mode={me.mode} onSignedIn={setMe} />;
  return <ChatApp key={me.user?.userId ?? 'anonymous'} me={me} onSignedOut={() => setMe({ mode: me.mode, signedIn: false })} />;
}

/** The page: chats on the left, the open chat in the middle, sources or documents on the right. */
function ChatApp({ me, onSignedOut }: { me: Me; onSignedOut(): void }) {
  const signedIn = me.signedIn && !!me.user;
  // Without sign-in the chats live in this browser; with sign-in the server lists them and this only caches them.
  const chatList = useMemo(() => new ChatList(localStorage, signedIn ? userListKey(me.user!.userId) : undefined), [me.user?.userId]);
  const list = useStore(chatList.store);
  const active = list.chats.find((c) => c.sessionId === list.activeSessionId) ?? null;
  const [panel, setPanel] = useState<Panel>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [theme, setTheme] = useState<ThemeChoice>(savedTheme);
  const [startError, setStartError] = useState<string | null>(null);

  const session = useMemo(
    () =>
      active
        ? new ChatSession(active, (q) => {
            const title = chatList.touched(active.sessionId, q);
            // Named by its first question: on the server too, so other devices show the same name.
            if (title && signedIn) void sessionsApi.rename(active.sessionId, '', title).catch(() => undefined);
          })
        : null,
    [active?.sessionId],
  );
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

  // The first visit starts a chat, so the page is ready to type in. Signed in: the server's list first.
  useEffect(() => {
    if (!signedIn) {
      if (!chatList.active) void newChat();
      return;
    }
    sessionsApi.list().then(
      (sessions) => {
        chatList.replaceFromServer(sessions);
        if (!chatList.active) void newChat();
      },
      (err: unknown) => setStartError(err instanceof ApiError ? err.message : String(err)),
    );
  }, []);

  const signOut = async (everywhere: boolean) => {
    try {
      await authApi.logout(everywhere);
    } catch {
      // Signed out already (expired, or ended elsewhere): the sign-in screen is what is left either way.
    }
    onSignedOut();
  };

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
        onRename={(id, title) => {
          chatList.rename(id, title);
          if (signedIn && title.trim()) void sessionsApi.rename(id, '', title.trim().slice(0, 80)).catch((err: unknown) => setStartError(err instanceof Error ? err.message : String(err)));
        }}
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
          {signedIn ? (
            <div class="user-menu">
              <span class="user-name" data-testid="signed-in-user" title={`${me.user!.userId} (${me.user!.role})`}>
                {me.user!.name}
              </span>
              <button type="button" class="button" onClick={() => void signOut(false)}>
                Sign out
              </button>
              <button type="button" class="button" title="Sign out on every device" onClick={() => void signOut(true)}>
                Everywhere
              </button>
            </div>
          ) : null}
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
