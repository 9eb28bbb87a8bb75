import { ScriptedLlm } from '@relay/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatClient, createSession } from '../support/chat-client';
import { parsePrometheusText, sumOf } from '../support/prometheus-text';
import { MediumRelay, startMediumRelay } from './relay-app';

// An answer nobody waits for is not generated: the model writes one answer at a time (slowly), a second chat's
// message waits in the LLM worker's queue, and its only client leaves. After CLIENT_GONE_GRACE_MS its answer is
// cancelled through the cancel path: the prompt leaves the queue and the model is never called for it. A client
// that comes back within the grace period (a page reload) keeps its answer.
const GRACE_MS = 400;
const WORD_MS = 300;

describe('answers whose client is gone', () => {
  let relay: MediumRelay;
  let llm: ScriptedLlm;
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    llm = new ScriptedLlm('one two three four five six seven eight', WORD_MS, 1);
    relay = await startMediumRelay({ CLIENT_GONE_GRACE_MS: String(GRACE_MS) }, { llm });
  });

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await relay.app.close();
  });

  const connect = async (token: string) => {
    const client = await ChatClient.connect(relay.url, token);
    clients.push(client);
    return client;
  };

  it('cancels a queued answer whose client left for good before the model is called for it, audited abandoned and counted', async () => {
    const [busy, gone] = await Promise.all([createSession(relay.url), createSession(relay.url)]);
    const busyClient = await connect(busy.token);
    const goneClient = await connect(gone.token);
    const first = await busyClient.send(busy.sessionId, 'first question');
    await busyClient.waitFor(() => llm.running === 1, 10_000);
    const second = await goneClient.send(gone.sessionId, 'second question');
    if (!first.ok || !second.ok) throw new Error('refused');
    await goneClient.waitFor(() => goneClient.statuses.some((s) => s.messageId === second.messageId && s.state === 'queued'), 10_000);
    goneClient.close();

    await busyClient.waitFor(() => busyClient.finished(first.messageId), 20_000);
    // The first answer took 8 words × 300 ms, far past the grace period: the second was cancelled while it waited.
    await new Promise((r) => setTimeout(r, 500));
    expect(llm.prompts).toHaveLength(1);

    const { samples } = parsePrometheusText(await (await fetch(`${relay.url}/metrics`)).text());
    expect(sumOf(samples, 'relay_gateway_abandoned_answers_total', {})).toBe(1);
    expect(sumOf(samples, 'relay_llm_answers_total', { outcome: 'cancelled' })).toBe(1);
    expect(sumOf(samples, 'relay_llm_generated_tokens_total', {})).toBe(8);
    const audit = readFileSync(join(relay.dataDir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { kind: string; messageId?: string; outcome?: string; reason?: string });
    expect(audit.filter((r) => r.kind === 'interaction' && r.messageId === second.messageId)).toEqual([
      expect.objectContaining({ outcome: 'abandoned', reason: 'client-gone' }),
    ]);
  }, 30_000);

  it('keeps the answer of a client that comes back within the grace period', async () => {
    const [busy, reloading] = await Promise.all([createSession(relay.url), createSession(relay.url)]);
    const busyClient = await connect(busy.token);
    const before = await connect(reloading.token);
    const first = await busyClient.send(busy.sessionId, 'first question');
    await busyClient.waitFor(() => llm.running === 1, 10_000);
    const second = await before.send(reloading.sessionId, 'second question');
    if (!first.ok || !second.ok) throw new Error('refused');
    before.close();
    await new Promise((r) => setTimeout(r, GRACE_MS / 2));
    const after = await connect(reloading.token);

    await after.waitFor(() => after.finished(second.messageId), 20_000);
    expect(after.answerFor(second.messageId).done?.finishReason).toBe('stop');
    expect(llm.prompts).toHaveLength(2);
  }, 30_000);
});
