/// <reference lib="dom" />
import type { Ack, ChatDoneEvent } from '@relay/contracts';
import type { Browser, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { DESKTOP, launchChromium, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { API_RESOURCE, RELAY_CLIENT_ID, TestOidcProvider } from '../support/oidc/test-provider';
import { freePort, RelayProcess } from '../support/relay-process';

// Sign-in through a real OpenID Connect provider (oidc-provider, its own process), in Debian's Chromium, against the
// built embedded app with the real models: the page's sign-in button, the provider's login and consent pages,
// back to Relay signed in, a chat, and signing out. Then an API client with a JWT from the same provider.
const ANSWER_MS = 120_000;
const ACCOUNTS = { alice: { name: 'Alice Example', roles: ['member'], groups: ['finance'] }, bob: { name: 'Bob Example', roles: ['reader'] } };

describe('signing in with OpenID Connect (real provider, real browser, real models)', () => {
  let provider: TestOidcProvider;
  let relay: RelayProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    provider = await TestOidcProvider.start({ accounts: ACCOUNTS, redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    relay = await RelayProcess.start(
      {
        AUTH_MODE: 'oidc',
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: RELAY_CLIENT_ID,
        OIDC_AUDIENCE: API_RESOURCE,
        OIDC_SCOPES: 'openid profile roles',
        OIDC_ALLOW_HTTP: 'true',
        LLM_MAX_TOKENS: '48',
      },
      undefined,
      undefined,
      'ready',
      port,
    );
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await provider?.stop();
  });

  it('shows the sign-in screen, signs in at the provider, chats, and signs out', async () => {
    await page.goto(relay.baseUrl);
    const signIn = page.getByRole('button', { name: 'Sign in with your organisation' });
    await signIn.waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'oidc-sign-in');
    // Nothing of the chats is reachable yet.
    expect((await page.request.get(`${relay.baseUrl}/api/sessions`)).status()).toBe(401);

    await signIn.click();
    // The provider's own login page, then its consent page.
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name=login]').fill('alice');
    await page.locator('input[name=password]').fill('any password');
    await page.locator('button[type=submit]').click();
    await page.waitForURL((url) => url.origin === provider.issuer && /interaction/.test(url.pathname));
    await page.locator('button[type=submit]').click();

    // Back at Relay, signed in as Alice; the cookie is httpOnly (no script sees it).
    await page.waitForURL((url) => url.origin === relay.baseUrl);
    await page.getByTestId('signed-in-user').waitFor();
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('Alice Example');
    const cookies = await page.context().cookies(relay.baseUrl);
    expect(cookies.find((c) => c.name === 'relay_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('relay_session');

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('How do I run Relay?');
    await box.press('Enter');
    await page.waitForFunction(
      () => {
        const all = document.querySelectorAll('[data-testid=answer]');
        return all.length > 0 && /answer-(done|failed)/.test(all[all.length - 1].className);
      },
      undefined,
      { timeout: ANSWER_MS },
    );
    expect(await page.locator('[data-testid=answer]').last().getAttribute('class')).toContain('answer-done');
    await screenshot(page, 'oidc-signed-in-chat');

    // The chat is Alice's on the server: listed for her, with the question and the answer kept.
    const listed = (await (await page.request.get(`${relay.baseUrl}/api/sessions`)).json()) as { sessions: { sessionId: string; title?: string }[] };
    expect(listed.sessions).toHaveLength(1);
    expect(listed.sessions[0].title).toBe('How do I run Relay?');
    const history = (await (await page.request.get(`${relay.baseUrl}/api/sessions/${listed.sessions[0].sessionId}/messages`)).json()) as { messages: { role: string }[] };
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);

    // A reload shows the same chat (from the server's list).
    await page.reload();
    await page.locator('[data-testid=answer]').first().waitFor();
    expect(await page.locator('[data-testid=chat-item]').count()).toBe(1);

    const cookie = cookies.find((c) => c.name === 'relay_session')!;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    // The old cookie opens nothing any more.
    const replayed = await fetch(`${relay.baseUrl}/api/sessions`, { headers: { cookie: `relay_session=${cookie.value}` } });
    expect(replayed.status).toBe(401);
  }, 240_000);

  it('serves an API client with a JWT from the same provider: REST and a chat over the socket', async () => {
    const token = await provider.accessTokenFor('bob');
    const me = (await (await fetch(`${relay.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { user: { userId: string; role: string } };
    expect(me.user).toMatchObject({ userId: 'bob', role: 'reader' });
    const created = await fetch(`${relay.baseUrl}/api/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const { sessionId } = (await created.json()) as { sessionId: string };
    const socket = io(`${relay.baseUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      const done = new Promise<ChatDoneEvent>((resolve) => socket.on('chat:done', resolve));
      const ack = (await socket.timeout(10_000).emitWithAck('chat:send', { sessionId, clientMessageId: 'api-1', text: 'What is Relay?' })) as Ack<{ messageId: string }>;
      expect(ack.ok).toBe(true);
      expect((await done).text.length).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
    // A reader may chat but not change documents.
    const upload = await fetch(`${relay.baseUrl}/api/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 't', text: 'x' }) });
    expect(upload.status).toBe(403);
  }, 180_000);
});
