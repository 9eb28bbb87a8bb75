import { useEffect, useState } from 'preact/hooks';
import type { Exchange } from '../state/exchange';
import type { Turn } from '../state/turns';
import { AnswerView } from './answer-view';

interface Props {
  turn: Turn;
  isLast: boolean;
  onRegenerate(exchange: Exchange): void;
  onShowSources(exchange: Exchange, n?: number): void;
}

/** A question and its answer; a regenerated answer adds a version, and the newest is shown. */
export function TurnView({ turn, isLast, onRegenerate, onShowSources }: Props) {
  const count = turn.versions.length;
  const [shown, setShown] = useState(count - 1);
  useEffect(() => setShown(count - 1), [count]);
  const exchange = turn.versions[Math.min(shown, count - 1)];
  const question = turn.versions[0].question;

  return (
    <article class="turn" data-testid="turn">
      {question ? (
        <div class="bubble user" data-testid="question">
          <span class="sr-only">You said:</span>
          <p>{question.text}</p>
        </div>
      ) : null}
      <div class="bubble assistant">
        <span class="sr-only">Relay answered:</span>
        {count > 1 ? (
          <nav class="versions" aria-label="Answer versions">
            <button type="button" class="icon-button" aria-label="Previous answer" disabled={shown === 0} onClick={() => setShown(shown - 1)}>
              ‹
            </button>
            <span data-testid="version">
              {shown + 1} / {count}
            </span>
            <button type="button" class="icon-button" aria-label="Next answer" disabled={shown >= count - 1} onClick={() => setShown(shown + 1)}>
              ›
            </button>
          </nav>
        ) : null}
        <AnswerView
          key={exchange.key}
          exchange={exchange}
          // Not for a message the server refused (too long, profane): asking again would be refused again.
          canRegenerate={isLast && shown === count - 1 && exchange.question?.sendState === 'sent' && exchange.answer.error?.code !== 'PROFANITY'}
          onRegenerate={() => onRegenerate(exchange)}
          onShowSources={(n) => onShowSources(exchange, n)}
        />
      </div>
    </article>
  );
}
