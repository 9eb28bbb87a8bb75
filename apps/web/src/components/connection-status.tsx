import type { ConnectionState } from '../state/chat-session';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Offline, reconnecting…',
  gone: 'Chat unavailable',
};

/** The socket's state, always visible; screen readers hear changes through the polite status role. */
export function ConnectionStatus({ state }: { state: ConnectionState }) {
  return (
    <span class={`connection connection-${state}`} role="status" data-testid="connection">
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
