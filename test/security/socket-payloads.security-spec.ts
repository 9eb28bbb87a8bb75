import { ChatClient, createSession } from '../support/chat-client';
import { MediumRelay, startMediumRelay } from '../medium/relay-app';

// The same pattern as finding 7's HTML walk, elsewhere: a recursive walk of user input. A chat event's payload is
// JSON from the client, decoded by Socket.IO (JSON.parse, which does not recurse) and validated by zod, which refuses
// a wrong type at the top without walking inside it. Checked here, no change needed: the gateway answers
// INVALID_PAYLOAD and goes on serving.

/** Sends a raw Socket.IO event packet: socket.io-client's own encoder overflows its stack on such values. */
function sendRaw(client: ChatClient, json: string): void {
  const engine = (client.socket as unknown as { io: { engine: { send(data: string): void } } }).io.engine;
  // Engine.IO adds its own message prefix (4); 2 is a Socket.IO EVENT, for the /chat namespace.
  engine.send(`2/chat,["chat:send",${json}]`);
}

describe('deeply nested socket payloads', () => {
  let relay: MediumRelay;
  beforeAll(async () => {
    relay = await startMediumRelay();
  });
  afterAll(() => relay.app.close());

  it.each([5_000, 100_000])('answers INVALID_PAYLOAD to a text nested %i deep, and keeps serving', async (depth) => {
    const session = await createSession(relay.url);
    const client = await ChatClient.connect(relay.url, session.token);
    sendRaw(client, `{"sessionId":"${session.sessionId}","clientMessageId":"c","text":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`);
    await client.waitFor(() => client.errors.length > 0, 10_000);
    expect(client.errors[0]).toMatchObject({ code: 'INVALID_PAYLOAD', messageId: null });
    const answer = await client.ask(session.sessionId, 'still there?');
    client.close();
    expect(answer.done?.finishReason).toBe('stop');
  });
});
