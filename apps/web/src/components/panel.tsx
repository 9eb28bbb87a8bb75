import type { ComponentChildren, RefObject } from 'preact';

interface Props {
  /** Names the panel (aria-labelledby) and its close button. */
  title: string;
  id: string;
  headingRef?: RefObject<HTMLHeadingElement | null>;
  onClose(): void;
  children: ComponentChildren;
}

/** A side panel (a full-screen sheet at phone width): a focusable heading, a close button, Escape closes it. */
export function Panel({ title, id, headingRef, onClose, children }: Props) {
  return (
    <aside class={`panel ${id}`} aria-labelledby={`${id}-heading`} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header class="panel-head">
        <h2 id={`${id}-heading`} tabIndex={-1} ref={headingRef}>
          {title}
        </h2>
        <button type="button" class="icon-button" aria-label={`Close ${title.toLowerCase()}`} onClick={onClose}>
          ✕
        </button>
      </header>
      {children}
    </aside>
  );
}
