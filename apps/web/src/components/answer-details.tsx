import type { AnswerDetails as Details } from '@relay/contracts';

const ms = (value: number | null) => (value === null ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`);

/** How an answer was made: each stage's queueing and handling time, first token, total, tokens and model. */
export function AnswerDetails({ details }: { details: Details }) {
  const { timings, usage, model } = details;
  return (
    <div class="details" data-testid="answer-details">
      <dl class="details-summary">
        <div>
          <dt>Model</dt>
          <dd>{model}</dd>
        </div>
        <div>
          <dt>First token</dt>
          <dd>{ms(timings.firstTokenMs)}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{ms(timings.totalMs)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>
            {usage.promptTokens} prompt · {usage.completionTokens} answer
          </dd>
        </div>
        {timings.model ? (
          <div>
            <dt>Model time</dt>
            <dd>
              {ms(timings.model.queuedMs)} waiting · {ms(timings.model.promptMs)} reading ({timings.model.cachedPromptTokens} tokens reused) ·{' '}
              {ms(timings.model.generationMs)} writing
            </dd>
          </div>
        ) : null}
      </dl>
      <table>
        <caption class="sr-only">Latency of each stage</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Queued</th>
            <th scope="col">Handled</th>
          </tr>
        </thead>
        <tbody>
          {timings.stages.map((s) => (
            <tr key={s.stage}>
              <th scope="row">{s.stage}</th>
              <td>{ms(s.queuedMs)}</td>
              <td>{ms(s.handledMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
