import { useMemo, useState } from 'preact/hooks';
import { copyText } from '../markdown/clipboard';
import { renderMarkdown } from '../markdown/render-markdown';
import type { Exchange } from '../state/exchange';
import { AnswerDetails } from './answer-details';
import { waitingNote } from './waiting-note';

interface Props {
  exchange: Exchange;
  canRegenerate: boolean;
  onRegenerate(): void;
  onShowSources(n?: number): void;
}

const SEND_NOTES = {
  sending: 'Sending…',
  busy: 'Relay is busy, retrying…',
  'rate-limited': 'Sending too fast, retrying in a moment…',
} as const;

/** One answer: streamed Markdown, its notices and errors, and what can be done with it. */
export function AnswerView({ exchange, canRegenerate, onRegenerate, onShowSources }: Props) {
  const { answer, question } = exchange;
  const [showDetails, setShowDetails] = useState(false);
  const [copied, setCopied] = useState(false);
  const live = answer.state === 'waiting' || answer.state === 'streaming';
  // While the answer streams, any [n] of a source it was given is a link; once done, only those the answer uses.
  const numbers = useMemo(() => answer.citations.filter((c) => live || c.cited).map((c) => c.n), [answer.citations, live]);
  const html = useMemo(() => renderMarkdown(answer.text, numbers, answer.attributions), [answer.text, numbers, answer.attributions]);
  const used = answer.citations.filter((c) => c.cited).length;
  const sendNote =
    question?.sendState === 'busy' && question.busyNote
      ? question.busyNote
      : question && question.sendState in SEND_NOTES
        ? SEND_NOTES[question.sendState as keyof typeof SEND_NOTES]
        : null;
  const masked = answer.details?.moderation.action === 'masked';
  const profanity = answer.error?.code === 'PROFANITY';

  // Copy buttons and [n] markers live inside the rendered Markdown: one delegated handler serves them all.
  const onMarkdownClick = async (e: MouseEvent) => {
    const target = e.target as HTMLElement;
    const cite = target.closest<HTMLElement>('[data-cite]');
    if (cite) return onShowSources(Number(cite.dataset.cite));
    const copy = target.closest<HTMLElement>('[data-copy]');
    if (copy) {
      const code = copy.closest('.code-block')?.querySelector('code')?.textContent ?? '';
      if (await copyText(code)) {
        copy.textContent = 'Copied';
        setTimeout(() => (copy.textContent = 'Copy code'), 1500);
      }
    }
  };

  return (
    <div class={`answer answer-${answer.state}`} data-testid="answer" data-message-id={exchange.messageId ?? ''} aria-busy={live ? 'true' : 'false'}>
      {sendNote ? (
        <p class="note" data-testid="send-note">
          {sendNote}
        </p>
      ) : null}
      {answer.state === 'waiting' && !sendNote ? (
        <p class="thinking" data-testid="thinking" data-status={answer.status?.state ?? ''} role="status">
          <span class="dots" aria-hidden="true" />
          {waitingNote(answer.status, answer.citations.length)}
        </p>
      ) : null}
      {answer.text ? <div class="markdown" data-testid="answer-text" data-raw={answer.text} onClick={onMarkdownClick} dangerouslySetInnerHTML={{ __html: html }} /> : null}
      {masked ? (
        <p class="notice" data-testid="moderation-notice">
          Some words of your message were masked by the profanity filter before the model read it.
        </p>
      ) : null}
      {answer.error ? (
        <p class={profanity ? 'notice' : 'error'} role="alert" data-testid={profanity ? 'moderation-notice' : 'answer-error'}>
          {answer.error.message}
        </p>
      ) : null}
      {answer.finishReason === 'not_found' ? (
        <p class="muted" data-testid="grounding-note">
          Nothing in your documents matched this question closely enough, so the model was not asked.
        </p>
      ) : null}
      {answer.state === 'done' && answer.finishReason !== 'not_found' && answer.grounding === 'unsupported' ? (
        <p class="notice" role="note" data-testid="grounding-note">
          Not found in your documents: nothing in this answer could be matched to a source, so it may be made up.
        </p>
      ) : null}
      {answer.finishReason === 'cancelled' ? <p class="muted">Stopped.</p> : null}
      {answer.finishReason === 'length' ? <p class="muted">The answer reached its length limit.</p> : null}
      {answer.finishReason === 'repetition' ? <p class="muted">The answer started repeating itself, so it was stopped there.</p> : null}
      <div class="answer-actions">
        {answer.text && !live ? (
          <button
            type="button"
            class="link-button"
            onClick={async () => {
              if (await copyText(answer.text)) {
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              }
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        ) : null}
        {canRegenerate && !live ? (
          <button type="button" class="link-button" onClick={onRegenerate}>
            Regenerate
          </button>
        ) : null}
        {answer.citations.length > 0 ? (
          <button type="button" class="link-button" onClick={() => onShowSources()}>
            {live ? `Sources (${answer.citations.length})` : `Sources (${used} used · ${answer.citations.length} retrieved)`}
          </button>
        ) : null}
        {answer.details ? (
          <button type="button" class="link-button" aria-expanded={showDetails} onClick={() => setShowDetails(!showDetails)}>
            Details
          </button>
        ) : null}
      </div>
      {showDetails && answer.details ? <AnswerDetails details={answer.details} /> : null}
    </div>
  );
}
