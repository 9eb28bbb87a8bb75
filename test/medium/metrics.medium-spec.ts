import { TOPICS } from '@relay/contracts';
import { ChatClient, createSession } from '../support/chat-client';
import { parsePrometheusText, sumOf } from '../support/prometheus-text';
import { MediumRelay, startMediumRelay } from './relay-app';

// The embedded app's GET /metrics after real chats through the real transport (models faked): the counters each
// stage records moved by what happened, once per process, and the body is valid Prometheus text.
describe('GET /metrics on the embedded app', () => {
  let relay: MediumRelay;

  beforeAll(async () => {
    // A small allowance of new sessions per client, so the REST refusal test below meets RATE_LIMITED (429).
    relay = await startMediumRelay({ CHAT_RATE_BURST: '100', SESSION_CREATE_BURST: '8', SESSION_CREATE_PER_MIN: '1' }, { llmAnswer: 'Paris is the capital of France.' });
  });

  afterAll(async () => {
    await relay.app.close();
  });

  it('counts chats, answers, time to first token, a masked message and a dead letter, with no per-session label', async () => {
    const sessions = await Promise.all([0, 1, 2].map(() => createSession(relay.url)));
    const client = await ChatClient.connect(relay.url, sessions[0].token);
    try {
      for (const [i, text] of ['What is the capital of France?', 'Tell me about Paris', 'this shit is broken'].entries()) {
        const answer = await client.ask(sessions[0].sessionId, text, `m${i}`);
        expect(answer.done?.finishReason).toBe('stop');
      }
      // A poison record straight onto chat.queries, as a broken producer would send.
      await relay.broker.publish({ topic: TOPICS.queries, key: sessions[1].sessionId, value: '{"not":"an envelope"', headers: {} }, 'wait');
      await relay.broker.idle();

      const res = await fetch(`${relay.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const body = await res.text();
      const { samples, types } = parsePrometheusText(body);

      expect(sumOf(samples, 'relay_stage_records_total', { stage: 'preprocessor', outcome: 'handled' })).toBe(3);
      expect(sumOf(samples, 'relay_stage_records_total', { stage: 'llm-worker', outcome: 'handled' })).toBe(3);
      expect(sumOf(samples, 'relay_stage_handling_duration_seconds_count', { stage: 'retriever' })).toBe(3);
      expect(sumOf(samples, 'relay_dead_letters_total', { stage: 'preprocessor', reason: 'invalid' })).toBe(1);
      expect(sumOf(samples, 'relay_llm_answers_total', { outcome: 'stop' })).toBe(3);
      expect(sumOf(samples, 'relay_llm_time_to_first_token_seconds_count')).toBe(3);
      expect(sumOf(samples, 'relay_llm_generated_tokens_total')).toBeGreaterThanOrEqual(3 * 5);
      expect(sumOf(samples, 'relay_profanity_messages_total', { outcome: 'masked' })).toBe(1);
      expect(sumOf(samples, 'relay_retrieval_search_duration_seconds_count', { index: 'vector' })).toBe(3);
      expect(sumOf(samples, 'relay_gateway_sockets_connected')).toBe(1);
      expect(sumOf(samples, 'relay_gateway_answers_in_flight')).toBe(0);
      expect(types.get('relay_transport_queue_depth')).toBe('gauge');
      expect(sumOf(samples, 'relay_ready', { kind: 'transport' })).toBe(1);
      // Each metric once, though three apps' modules are in the process.
      expect(body.match(/^# TYPE relay_stage_records_total /gm)).toHaveLength(1);
      for (const { sessionId } of sessions) expect(body).not.toContain(sessionId);
    } finally {
      client.close();
    }
  });

  it('counts a refused socket event by its error code', async () => {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    try {
      const ack = await client.send('not-my-session', 'hello');
      expect(ack.ok).toBe(false);
      const code = ack.ok ? '' : ack.error.code;
      const { samples } = parsePrometheusText(await (await fetch(`${relay.url}/metrics`)).text());
      expect(sumOf(samples, 'relay_gateway_refusals_total', { surface: 'socket', code })).toBe(1);
    } finally {
      client.close();
    }
  });

  it('counts refused REST requests by surface and code (429 RATE_LIMITED, 404 NOT_FOUND), and not the ones served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${relay.url}/api/sessions`, { method: 'POST' })).status);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429 && s !== 201)).toEqual([]);
    const missing = await fetch(`${relay.url}/api/documents/no-such-document`);
    expect(missing.status).toBe(404);

    const { samples } = parsePrometheusText(await (await fetch(`${relay.url}/metrics`)).text());
    expect(sumOf(samples, 'relay_gateway_refusals_total', { surface: 'http', code: 'RATE_LIMITED' })).toBe(limited);
    expect(sumOf(samples, 'relay_gateway_refusals_total', { surface: 'http', code: 'NOT_FOUND' })).toBe(1);
    expect(sumOf(samples, 'relay_gateway_refusals_total', { surface: 'http' })).toBe(limited + 1);
  });
});
