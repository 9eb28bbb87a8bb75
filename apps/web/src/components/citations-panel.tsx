import type { Citation } from '@relay/contracts';
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Panel } from './panel';

interface Props {
  citations: Citation[];
  highlighted?: number;
  /** The answer is still being written: nothing is known to be used yet. */
  live: boolean;
  onClose(): void;
}

const BADGES = {
  marker: { label: 'Cited', class: 'badge badge-cited', title: 'The answer cites it with its number' },
  attribution: { label: 'Used (matched)', class: 'badge badge-matched', title: 'A sentence of the answer matches this source' },
} as const;

/**
 * The sources an answer was given. While it is written: every source, in the order the model reads them. Once
 * done: those the answer uses first (cited by number, or matched by Relay to a sentence of the answer), then those
 * merely retrieved. The passage the model was given is highlighted in each source's text.
 */
export function CitationsPanel({ citations, highlighted, live, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const target = highlighted !== undefined ? document.getElementById(`source-${highlighted}`) : null;
    (target ?? heading.current)?.focus();
  }, [highlighted, citations]);

  const used = citations.filter((c) => c.cited);
  const retrieved = citations.filter((c) => !c.cited);
  const item = (c: Citation) => {
    const badge = c.cited ? BADGES[c.citedBy ?? 'marker'] : null;
    return (
      <li key={c.n} id={`source-${c.n}`} tabIndex={-1} class={`source${c.n === highlighted ? ' highlighted' : ''}`} data-testid="source" data-cited={String(c.cited)} data-cited-by={c.citedBy ?? ''}>
        <div class="source-head">
          <span class="source-n">{c.n}</span>
          <span class="source-title">{c.title}</span>
          {live ? null : (
            <span class={badge?.class ?? 'badge'} title={badge?.title}>
              {badge?.label ?? 'Retrieved'}
            </span>
          )}
        </div>
        <div class="source-origin">{c.source}</div>
        <blockquote class="source-snippet">{withHighlights(c.snippet, c.highlights ?? [])}</blockquote>
      </li>
    );
  };

  if (live) {
    return (
      <Panel title="Sources" id="sources" headingRef={heading} onClose={onClose}>
        <p class="muted">The model is reading these passages (highlighted) to write the answer.</p>
        <ol class="sources">{citations.map(item)}</ol>
      </Panel>
    );
  }
  return (
    <Panel title="Sources" id="sources" headingRef={heading} onClose={onClose}>
      {used.length > 0 ? (
        <section aria-label="Used in the answer">
          <h3>Used in the answer</h3>
          <ol class="sources">{used.map(item)}</ol>
        </section>
      ) : (
        <p class="muted">The answer uses none of its sources.</p>
      )}
      {retrieved.length > 0 ? (
        <section aria-label="Retrieved but not used">
          <h3>Retrieved, not used</h3>
          <ol class="sources">{retrieved.map(item)}</ol>
        </section>
      ) : null}
    </Panel>
  );
}

/** The text with the highlighted spans in <mark>, in order; overlapping or out-of-range spans are skipped. */
function withHighlights(text: string, spans: Array<{ start: number; end: number }>): Array<string | JSX.Element> {
  const parts: Array<string | JSX.Element> = [];
  let at = 0;
  for (const { start, end } of [...spans].sort((a, b) => a.start - b.start)) {
    if (start < at || end > text.length || end <= start) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(<mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}
