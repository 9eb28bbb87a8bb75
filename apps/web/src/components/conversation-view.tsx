import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { ChatSession } from '../state/chat-session';
import type { Exchange } from '../state/exchange';
import { turnsOf } from '../state/turns';
import { Composer } from './composer';
import { TurnView } from './turn-view';
import { useStore } from './use-store';

interface Props {
  session: ChatSession;
  onShowSources(exchange: Exchange, n?: number): void;
}

/** The open chat: its turns in a live log, kept scrolled to the newest while the reader is at the bottom. */
export function ConversationView({ session, onShowSources }: Props) {
  const view = useStore(session.view);
  const turns = useMemo(() => turnsOf(view.exchanges), [view.exchanges]);
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    if (atBottom.current && log.current) log.current.scrollTop = log.current.scrollHeight;
  });

  const live = view.exchanges.filter((e) => e.answer.state === 'waiting' || e.answer.state === 'streaming');

  return (
    <>
      <div
        class="log"
        ref={log}
        role="log"
        aria-live="polite"
        aria-label="Conversation"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
      >
        {view.loading ? <p class="muted center">Loading the conversation…</p> : null}
        {view.loadError ? (
          <div class="error banner" role="alert" data-testid="load-error">
            <p>{view.loadError}</p>
            {view.connection !== 'gone' ? (
              <button type="button" class="button" onClick={() => void session.retryLoad()}>
                Try again
              </button>
            ) : null}
          </div>
        ) : null}
        {!view.loading && !view.loadError && turns.length === 0 ? (
          <div class="empty">
            <h2>Ask Relay</h2>
            <p>Answers are grounded in your team's documents, with numbered sources you can open.</p>
          </div>
        ) : null}
        {turns.map((turn, i) => (
          <TurnView
            key={turn.key}
            turn={turn}
            isLast={i === turns.length - 1}
            onRegenerate={(e) => session.regenerate(e)}
            onShowSources={onShowSources}
          />
        ))}
      </div>
      <Composer
        disabled={view.connection === 'gone' || view.loading}
        busy={view.busy}
        onSend={(text) => session.send(text)}
        onStop={() => live.forEach((e) => session.stop(e))}
      />
    </>
  );
}
