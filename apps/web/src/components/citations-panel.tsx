import type { Citation } from '@relay/contracts';
import { useEffect, useRef } from 'preact/hooks';
import { Panel } from './panel';

interface Props {
  citations: Citation[];
  highlighted?: number;
  onClose(): void;
}

/** The sources an answer was given: those its text cites with [n] first, then those merely retrieved. */
export function CitationsPanel({ citations, highlighted, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const target = highlighted !== undefined ? document.getElementById(`source-${highlighted}`) : null;
    (target ?? heading.current)?.focus();
  }, [highlighted, citations]);

  const cited = citations.filter((c) => c.cited);
  const retrieved = citations.filter((c) => !c.cited);
  const item = (c: Citation) => (
    <li key={c.n} id={`source-${c.n}`} tabIndex={-1} class={`source${c.n === highlighted ? ' highlighted' : ''}`} data-testid="source" data-cited={String(c.cited)}>
      <div class="source-head">
        <span class="source-n">{c.n}</span>
        <span class="source-title">{c.title}</span>
        <span class={`badge ${c.cited ? 'badge-cited' : ''}`}>{c.cited ? 'Cited' : 'Retrieved'}</span>
      </div>
      <div class="source-origin">{c.source}</div>
      <blockquote class="source-snippet">{c.snippet}</blockquote>
    </li>
  );

  return (
    <Panel title="Sources" id="sources" headingRef={heading} onClose={onClose}>
      {cited.length > 0 ? (
        <section aria-label="Cited in the answer">
          <h3>Cited in the answer</h3>
          <ol class="sources">{cited.map(item)}</ol>
        </section>
      ) : (
        <p class="muted">The answer cites none of its sources.</p>
      )}
      {retrieved.length > 0 ? (
        <section aria-label="Retrieved but not cited">
          <h3>Retrieved, not cited</h3>
          <ol class="sources">{retrieved.map(item)}</ol>
        </section>
      ) : null}
    </Panel>
  );
}
