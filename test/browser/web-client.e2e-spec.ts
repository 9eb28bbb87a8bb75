/// <reference lib="dom" />
// Code inside page.evaluate runs in the browser: DOM types for it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DESKTOP, launchChromium, PHONE, screenshot, seriousAccessibilityViolations } from '../support/browser';
import { RelayProcess } from '../support/relay-process';
import { TcpProxy } from '../support/tcp-proxy';

// The web client in Debian's Chromium against the embedded app with the real models, through a TCP proxy the
// tests can cut like a bad network. Answers are long enough (LLM_MAX_TOKENS) to stop or drop them mid-stream.
// Every question reaches the model (RELEVANCE_GATE=false): these test the page, not which questions the documents answer.
const APP_ENV = { LLM_MAX_TOKENS: '256', MAX_MESSAGE_CHARS: '300', PROFANITY_POLICY: 'mask', RELEVANCE_GATE: 'false' };
const ANSWER_MS = 90_000;

interface StoredChats {
  chats: { sessionId: string; token: string; title: string }[];
  activeSessionId: string;
}

const chatsOf = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem('relay.chats.v1') ?? 'null') as StoredChats);
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const answers = (page: Page) => page.locator('[data-testid=answer]');
const lastAnswer = (page: Page) => answers(page).last();

/** Sends with the keyboard and waits until the page shows the new answer's place. */
async function ask(page: Page, text: string): Promise<void> {
  const before = await answers(page).count();
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=answer]').length > n, before);
}

/** Waits until the newest answer is complete (done, failed or interrupted) and returns its state. */
async function settled(page: Page): Promise<string> {
  await page.waitForFunction(
    () => {
      const all = document.querySelectorAll('[data-testid=answer]');
      const last = all[all.length - 1];
      return !!last && /answer-(done|failed|interrupted)/.test(last.className);
    },
    undefined,
    { timeout: ANSWER_MS },
  );
  return (await lastAnswer(page).getAttribute('class'))!.replace('answer answer-', '');
}

/**
 * Records, from now on, every text the newest answer holds as the page renders it (its Markdown source, kept on
 * the element: a half-received Markdown renders differently from its finished self, the source only grows).
 */
async function recordAnswerTexts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __texts: string[] };
    w.__texts = [];
    const before = document.querySelectorAll('[data-testid=answer]').length;
    new MutationObserver(() => {
      const all = document.querySelectorAll('[data-testid=answer]');
      if (all.length <= before) return; // the new answer is not on the page yet
      const text = all[all.length - 1].querySelector('[data-testid=answer-text]')?.getAttribute('data-raw') ?? '';
      if (text && text !== w.__texts[w.__texts.length - 1]) w.__texts.push(text);
    }).observe(document.querySelector('[role=log]')!, { subtree: true, childList: true, characterData: true });
  });
}
const recordedTexts = (page: Page) => page.evaluate(() => (window as unknown as { __texts: string[] }).__texts);

/** The session's history as the server keeps it (REST, with the token the page keeps). */
async function history(relay: RelayProcess, page: Page): Promise<{ messageId: string; role: string; text: string; finishReason?: string }[]> {
  const { chats, activeSessionId } = await chatsOf(page);
  const chat = chats.find((c) => c.sessionId === activeSessionId)!;
  const res = await fetch(`${relay.baseUrl}/api/sessions/${chat.sessionId}/messages`, { headers: { authorization: `Bearer ${chat.token}` } });
  return ((await res.json()) as { messages: never[] }).messages;
}

/** Each text the page showed must be a start of the final answer, and the last the answer itself: no gap, no repeat. */
function expectGrowingPrefixes(texts: string[], final: string): void {
  for (const text of texts) expect(final.startsWith(text) ? 'a prefix' : `not a prefix: ${JSON.stringify(text)}`).toBe('a prefix');
  expect(texts[texts.length - 1]).toBe(final);
}

async function expectAccessible(page: Page, state: string): Promise<void> {
  const violations = await seriousAccessibilityViolations(page);
  if (violations.length) throw new Error(`${state}: serious accessibility violations:\n${violations.join('\n')}`);
}

describe('web client in a real browser', () => {
  let relay: RelayProcess;
  let proxy: TcpProxy;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  // Every Content-Security-Policy violation the page reports, in any state below (the policy: docs/security.md).
  const cspViolations: string[] = [];
  let cspHeader: string | undefined;

  beforeAll(async () => {
    [relay, browser] = await Promise.all([RelayProcess.start(APP_ENV), launchChromium()]);
    proxy = await TcpProxy.start(relay.port);
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('response', (res) => {
      if (res.request().resourceType() === 'document') cspHeader ??= res.headers()['content-security-policy'];
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await relay?.stop();
  });

  it('opens ready to chat: a new chat, connected, with a small first load', async () => {
    const scripts: Promise<Buffer>[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('.js')) scripts.push(res.body());
    });
    await page.goto(proxy.url);
    await page.getByText('Connected', { exact: true }).waitFor();
    // The budget: under 200 KB of JavaScript, gzipped, on first load.
    const gzipped = (await Promise.all(scripts)).reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(200 * 1024);
    expect((await chatsOf(page)).chats).toHaveLength(1);
    await expect(page.locator('[data-testid=chat-item]').count()).resolves.toBe(1);
    await expectAccessible(page, 'empty chat');
    await screenshot(page, 'desktop-empty');
  });

  it('sends with Enter, keeps Shift+Enter as a new line, and streams the answer as Markdown', async () => {
    await composer(page).focus();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await composer(page).inputValue()).toBe('line one\nline two');
    await composer(page).fill('');

    await recordAnswerTexts(page);
    await ask(page, 'What is Relay and how does it stream answers?');
    await expect(page.getByTestId('question').last().textContent()).resolves.toContain('What is Relay');
    expect(await composer(page).inputValue()).toBe('');
    expect(await settled(page)).toBe('done');

    const texts = await recordedTexts(page);
    const [, answer] = (await history(relay, page)).slice(-2);
    expect(answer.role).toBe('assistant');
    expect(texts.length).toBeGreaterThan(2); // it grew in steps: streamed, not shown at once
    expectGrowingPrefixes(texts, answer.text);
    expect((await lastAnswer(page).getByTestId('answer-text').textContent())!.trim().length).toBeGreaterThan(0);
    // The chat is named after its first question.
    await expect(page.locator('.chat-item.active .chat-select').textContent()).resolves.toContain('What is Relay');
  });

  it('shows per-answer details: each stage, first token, tokens and model', async () => {
    await lastAnswer(page).getByRole('button', { name: 'Details' }).click();
    const details = lastAnswer(page).getByTestId('answer-details');
    for (const stage of ['preprocessor', 'embedder', 'retriever', 'prompt-builder', 'llm-worker', 'gateway']) {
      await expect(details.getByRole('rowheader', { name: stage, exact: true }).count()).resolves.toBe(1);
    }
    await expect(details.textContent()).resolves.toMatch(/SmolLM2|smollm2/i);
    await expect(details.textContent()).resolves.toMatch(/\d+ prompt · \d+ answer/);
  });

  it('lists the sources of an answer, cited apart from merely retrieved', async () => {
    await lastAnswer(page).getByRole('button', { name: /^Sources/ }).click();
    const panel = page.getByRole('complementary', { name: 'Sources' });
    const sources = panel.getByTestId('source');
    expect(await sources.count()).toBeGreaterThan(0);
    const text = (await lastAnswer(page).getByTestId('answer-text').textContent())!;
    const markers = await lastAnswer(page).locator('button.cite').count();
    const cited = await panel.locator('[data-cited=true]').count();
    // Markers are links exactly for the sources the answer cites.
    expect(markers > 0).toBe(cited > 0);
    if (markers > 0) {
      await lastAnswer(page).locator('button.cite').first().click();
      await expect(panel.locator('.source.highlighted').count()).resolves.toBe(1);
    }
    expect(text.length).toBeGreaterThan(0);
    await expectAccessible(page, 'answer with details and sources');
    await screenshot(page, 'desktop-answer-sources');
    await panel.getByRole('button', { name: 'Close sources' }).click();
  });

  it('copies an answer, and takes a keyboard user from the top of the page to the message box', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: proxy.url });
    await lastAnswer(page).getByRole('button', { name: 'Copy', exact: true }).click();
    await lastAnswer(page).getByRole('button', { name: 'Copied', exact: true }).waitFor();
    const raw = await lastAnswer(page).getByTestId('answer-text').getAttribute('data-raw');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(raw);

    await page.reload();
    await page.getByText('Connected', { exact: true }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the message box');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
  });

  it('stops an answer mid-stream', async () => {
    await ask(page, 'Explain in detail every stage of the Relay pipeline, one paragraph each.');
    await lastAnswer(page).getByTestId('answer-text').waitFor({ timeout: ANSWER_MS });
    // The sources came before the answer: they can be opened while it streams.
    await expect(lastAnswer(page).getByRole('button', { name: /^Sources \(\d+\)$/ }).count()).resolves.toBe(1);
    await screenshot(page, 'desktop-streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await settled(page)).toBe('done');
    const [, answer] = (await history(relay, page)).slice(-2);
    expect(answer.finishReason).toBe('cancelled');
    await expect(lastAnswer(page).getByText('Stopped.').count()).resolves.toBe(1);
  });

  it('regenerates the last answer as a second version of the turn', async () => {
    const turnsBefore = await page.getByTestId('turn').count();
    const previous = await lastAnswer(page).getAttribute('data-message-id');
    await lastAnswer(page).getByRole('button', { name: 'Regenerate' }).click();
    await page.waitForFunction((id) => {
      const all = document.querySelectorAll('[data-testid=answer]');
      return all[all.length - 1].getAttribute('data-message-id') !== id;
    }, previous);
    expect(await settled(page)).toBe('done');
    expect(await page.getByTestId('turn').count()).toBe(turnsBefore);
    await expect(page.getByTestId('version').last().textContent()).resolves.toBe('2 / 2');
    const messages = await history(relay, page);
    expect(messages.filter((m) => m.role === 'user').slice(-2).map((m) => m.text)).toEqual([
      'Explain in detail every stage of the Relay pipeline, one paragraph each.',
      'Explain in detail every stage of the Relay pipeline, one paragraph each.',
    ]);
  });

  it('shows the whole history after a reload', async () => {
    const before = await page.getByTestId('answer-text').allTextContents();
    const turns = await page.getByTestId('turn').count();
    await page.reload();
    await page.getByText('Connected', { exact: true }).waitFor();
    await page.getByTestId('turn').nth(turns - 1).waitFor();
    expect(await page.getByTestId('turn').count()).toBe(turns);
    expect(await page.getByTestId('answer-text').allTextContents()).toEqual(before);
    await expect(page.getByTestId('version').last().textContent()).resolves.toBe('2 / 2');
  });

  it('continues an answer after the connection drops mid-stream, without gaps or repeats', async () => {
    await recordAnswerTexts(page);
    await ask(page, 'Describe how documents are chunked, embedded and retrieved, step by step.');
    await lastAnswer(page).getByTestId('answer-text').waitFor({ timeout: ANSWER_MS });
    proxy.cut();
    await page.getByText('Offline, reconnecting…').waitFor();
    await screenshot(page, 'desktop-offline');
    await new Promise((r) => setTimeout(r, 1500));
    proxy.restore();
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await settled(page)).toBe('done');

    // Every text shown across the drop was a start of the answer the server finished, and it ends as that answer.
    const [, answer] = (await history(relay, page)).slice(-2);
    expectGrowingPrefixes(await recordedTexts(page), answer.text);
    expect(await answers(page).count()).toBe(await page.getByTestId('turn').count());
  });

  it('uploads a document by picker and by drop, shows per-file errors, and answers citing the document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-web-docs-'));
    const file = join(dir, 'zorblax-handbook.md');
    writeFileSync(file, '# Zorblax handbook\n\nThe Zorblax flux regulator was invented by Dr. Quenby Marsh in 1987 at the Tarnwick laboratory.\n');
    await page.getByRole('button', { name: 'Documents' }).click();
    const panel = page.getByRole('complementary', { name: 'Documents' });
    await panel.getByTestId('file-input').setInputFiles(file);
    await panel.locator('[data-testid=upload][data-state=done]').waitFor({ timeout: ANSWER_MS });
    await expect(panel.getByTestId('upload').first().textContent()).resolves.toMatch(/Indexed: \d+ passages/);
    await expect(panel.getByTestId('document').filter({ hasText: 'Zorblax handbook' }).count()).resolves.toBe(1);

    // A dropped file of a type Relay does not read: an error naming it, the rest of the panel unharmed.
    await panel.getByTestId('dropzone').evaluate((zone) => {
      const data = new DataTransfer();
      data.items.add(new File(['MZ binary'], 'setup.exe', { type: 'application/octet-stream' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const failed = panel.locator('[data-testid=upload][data-state=error]');
    await failed.waitFor();
    await expect(failed.textContent()).resolves.toContain('setup.exe');
    await expectAccessible(page, 'documents panel');
    await screenshot(page, 'desktop-documents');
    await panel.getByRole('button', { name: 'Close documents' }).click();

    await page.getByRole('button', { name: '+ New chat' }).click();
    await page.getByRole('heading', { name: 'Ask Relay' }).waitFor();
    await page.getByText('Connected', { exact: true }).waitFor();
    await ask(page, 'Who invented the Zorblax flux regulator?');
    expect(await settled(page)).toBe('done');
    await lastAnswer(page).getByRole('button', { name: /^Sources/ }).click();
    const sources = page.getByRole('complementary', { name: 'Sources' }).getByTestId('source');
    await expect(sources.first().locator('.source-title').textContent()).resolves.toContain('Zorblax handbook');
    await expect(sources.filter({ hasText: 'Quenby Marsh' }).count()).resolves.toBeGreaterThan(0);
    // The answer is grounded in it: the fact only the uploaded document holds.
    await expect(lastAnswer(page).getByTestId('answer-text').textContent()).resolves.toContain('Quenby Marsh');
    await screenshot(page, 'desktop-cited-document');

    // Deleted from the knowledge base: the list no longer shows it.
    await page.getByRole('button', { name: 'Documents' }).click();
    await page.getByRole('button', { name: 'Delete Zorblax handbook' }).click();
    await page.getByTestId('document').filter({ hasText: 'Zorblax handbook' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Close documents' }).click();
  });

  it('tells the user when the profanity filter masked a message', async () => {
    await ask(page, 'Is this shit working?');
    expect(await settled(page)).toBe('done');
    await expect(lastAnswer(page).getByTestId('moderation-notice').textContent()).resolves.toContain('masked');
    await expect(page.getByTestId('question').last().textContent()).resolves.toContain('****');
  });

  it('says in plain words what went wrong with a message', async () => {
    await ask(page, 'x'.repeat(301));
    expect(await settled(page)).toBe('failed');
    await expect(lastAnswer(page).getByTestId('answer-error').textContent()).resolves.toContain('too long');
    // Asking again would be refused again: no Regenerate.
    await expect(lastAnswer(page).getByRole('button', { name: 'Regenerate' }).count()).resolves.toBe(0);
    await expectAccessible(page, 'error state');
    await screenshot(page, 'desktop-error');
  });

  it('keeps chats across reloads: switch, rename, delete', async () => {
    const chats = page.getByTestId('chat-item');
    const count = await chats.count();
    expect(count).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: /^Rename / }).first().click();
    await page.getByRole('textbox', { name: 'Chat name' }).fill('Zorblax questions');
    await page.getByRole('textbox', { name: 'Chat name' }).press('Enter');
    await page.reload();
    await page.getByText('Connected', { exact: true }).waitFor();
    await expect(page.locator('.chat-item.active .chat-select').textContent()).resolves.toBe('Zorblax questions');
    expect(await chats.count()).toBe(count);

    // Switch to the first chat: its history comes back.
    await chats.last().locator('.chat-select').click();
    await page.getByTestId('question').filter({ hasText: 'What is Relay and how does it stream answers?' }).waitFor();

    const { activeSessionId, chats: stored } = await chatsOf(page);
    const token = stored.find((c) => c.sessionId === activeSessionId)!.token;
    await page.locator('.chat-item.active').getByRole('button', { name: /^Delete / }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=chat-item]').length === n, count - 1);
    const res = await fetch(`${relay.baseUrl}/api/sessions/${activeSessionId}/messages`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(404);
  });

  it('works at phone width and in the dark theme', async () => {
    await page.setViewportSize(PHONE);
    await page.getByText('Connected', { exact: true }).waitFor();
    await expect(page.locator('.sidebar').isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Chats' }).click();
    await expect(page.locator('.sidebar').isVisible()).resolves.toBe(true);
    await page.waitForTimeout(300); // the drawer's slide-in
    await screenshot(page, 'phone-chats');
    await page.getByTestId('chat-item').first().locator('.chat-select').click();
    await expect(page.locator('.sidebar').isVisible()).resolves.toBe(false);
    await expectAccessible(page, 'phone');
    await screenshot(page, 'phone-conversation');

    await page.getByRole('button', { name: /Change theme/ }).click(); // system → light
    await page.getByRole('button', { name: /Change theme/ }).click(); // light → dark
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expectAccessible(page, 'phone, dark');
    await screenshot(page, 'phone-dark');
    await page.setViewportSize(DESKTOP);
    await expectAccessible(page, 'desktop, dark');
    await screenshot(page, 'desktop-dark');
  });

  it('runs under the strict Content-Security-Policy without a single violation in any of these states', () => {
    expect(cspHeader).toContain("default-src 'self'");
    expect(cspHeader).toContain("img-src 'self' data:");
    expect(cspViolations).toEqual([]);
  });
});

describe('web client with PROFANITY_POLICY=reject', () => {
  let relay: RelayProcess;
  let browser: Browser;

  beforeAll(async () => {
    [relay, browser] = await Promise.all([RelayProcess.start({ ...APP_ENV, PROFANITY_POLICY: 'reject' }), launchChromium()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('tells the user the message was not sent to the model', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(relay.baseUrl);
    await page.getByText('Connected', { exact: true }).waitFor();
    await ask(page, 'Is this shit working?');
    expect(await settled(page)).toBe('failed');
    await expect(lastAnswer(page).getByTestId('moderation-notice').textContent()).resolves.toContain('profanity filter');
    await screenshot(page, 'desktop-profanity-rejected');
  });
});
