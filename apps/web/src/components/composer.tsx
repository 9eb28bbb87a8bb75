import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  disabled: boolean;
  busy: boolean;
  onSend(text: string): void;
  onStop(): void;
}

/** The message box: Enter sends, Shift+Enter adds a line; Stop replaces Send while an answer is on its way. */
export function Composer({ disabled, busy, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const submit = () => {
    if (disabled || !text.trim()) return;
    onSend(text);
    setText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label class="sr-only" for="message">
        Message
      </label>
      <textarea
        id="message"
        ref={area}
        rows={1}
        value={text}
        placeholder="Ask about your documents…"
        aria-describedby="composer-hint"
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <span id="composer-hint" class="sr-only">
        Enter sends, Shift+Enter adds a new line.
      </span>
      {busy ? (
        <button type="button" class="button stop" onClick={onStop}>
          Stop
        </button>
      ) : null}
      <button type="submit" class="button primary" disabled={disabled || !text.trim()}>
        Send
      </button>
    </form>
  );
}
