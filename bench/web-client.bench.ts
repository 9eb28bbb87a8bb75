import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';
import { round, summary } from './stats';

// npm run bench:web [-- --loads 20 --chats 16 --max-tokens 16]
// The web client's cost to a user, against the built embedded app (what `npm start` runs) with the real models:
// - first load: JavaScript and CSS gzipped, and the time from navigation to "Connected" in a fresh browser profile
//   (session created, history read, socket open);
// - time to first token seen on the page (keypress to first text painted) against a Node socket.io-client in the
//   same run asking the same questions (send to first chunk): the page's own share of the wait.
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const LOADS = Number(arg('loads', '20'));
const CHATS = Number(arg('chats', '16'));
const MAX_TOKENS = arg('max-tokens', '16');
const ROOT = resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUESTIONS = ['How do I run Relay on one machine?', 'What does the pre-processor do?', 'How are answers grounded in documents?', 'What happens when a queue is full?'];

// Runs in the page before its own scripts: notes when it is first connected, when Enter is pressed and when an
// answer's first text appears (performance.now(), from navigation start).
const PAGE_PROBE = `
  window.__probe = { connectedAt: null, enterAt: null, firstTextAt: null };
  new MutationObserver(() => {
    const p = window.__probe;
    const status = document.querySelector('[data-testid=connection]');
    if (p.connectedAt === null && status && status.textContent === 'Connected') p.connectedAt = performance.now();
    if (p.enterAt !== null && p.firstTextAt === null) {
      const text = document.querySelector('[data-testid=answer-text]');
      if (text && text.getAttribute('data-raw')) p.firstTextAt = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) window.__probe.enterAt = performance.now(); }, true);
`;

async function main(): Promise<void> {
  const webDir = join(ROOT, 'dist/web');
  if (!existsSync(join(webDir, 'index.html'))) throw new Error('dist/web is missing: npm run build first');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: npm run setup:browser`);
  const assets = readdirSync(join(webDir, 'assets'));
  const gz = (ext: string) => assets.filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSync(readFileSync(join(webDir, 'assets', f)), { level: 9 }).length, 0);
  const bundle = { javascriptGzipKB: round(gz('.js') / 1024, 1), cssGzipKB: round(gz('.css') / 1024, 1), budgetKB: 200 };
  console.log(JSON.stringify({ bundle }));

  const { child, baseUrl } = await startRelay();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  try {
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(PAGE_PROBE);
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.waitForFunction('window.__probe.connectedAt !== null');
      loads.push(await page.evaluate<number>('window.__probe.connectedAt'));
      await context.close();
    }
    console.log(JSON.stringify({ firstLoadToConnectedMs: summary(loads) }));

    const pageTtft: number[] = [];
    const nodeTtft: number[] = [];
    // The model reuses the evaluated prompt prefix of the previous chat (node-llama-cpp's context cache), so whoever
    // asks second in a pair starts warmer: the order alternates, and each question is made unique.
    for (let i = 0; i < CHATS; i++) {
      const question = QUESTIONS[Math.floor(i / 2) % QUESTIONS.length];
      const nodeFirst = i % 2 === 0;
      if (nodeFirst) nodeTtft.push(await nodeFirstToken(baseUrl, `${question} (run ${i}, node)`));
      await pageFirstToken(`${question} (run ${i}, page)`);
      if (!nodeFirst) nodeTtft.push(await nodeFirstToken(baseUrl, `${question} (run ${i}, node)`));
    }
    async function pageFirstToken(question: string): Promise<void> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(PAGE_PROBE);
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.waitForFunction('window.__probe.connectedAt !== null');
      await page.getByRole('textbox', { name: 'Message' }).fill(question);
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');
      await page.waitForFunction('window.__probe.firstTextAt !== null', undefined, { timeout: 120_000 });
      pageTtft.push(await page.evaluate<number>('window.__probe.firstTextAt - window.__probe.enterAt'));
      await page.waitForSelector('.answer-done', { timeout: 120_000 });
      await context.close();
    }
    const page = summary(pageTtft);
    const node = summary(nodeTtft);
    console.log(
      JSON.stringify({
        timeToFirstTokenMs: { page, nodeClient: node, pageOverNode: { p50: round(page.p50 / node.p50, 3), p99: round(page.p99 / node.p99, 3) }, maxTokens: Number(MAX_TOKENS) },
      }),
    );
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

/** A session, a socket, one question: ms from emit to the first chunk (the answer is then awaited to the end). */
async function nodeFirstToken(baseUrl: string, text: string): Promise<number> {
  const { sessionId, token } = (await (await fetch(`${baseUrl}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
  const socket = io(`${baseUrl}/chat`, { auth: { token }, transports: ['websocket'] });
  await new Promise<void>((ok, fail) => {
    socket.once('connect', ok);
    socket.once('connect_error', fail);
  });
  try {
    return await new Promise<number>((ok, fail) => {
      let first: number | null = null;
      const started = performance.now();
      socket.on('chat:chunk', () => (first ??= performance.now() - started));
      socket.on('chat:done', () => (first === null ? fail(new Error('no chunk')) : ok(first)));
      socket.on('chat:error', (e) => fail(new Error(e.message)));
      socket.emit('chat:send', { sessionId, clientMessageId: `bench-${Date.now()}-${Math.random()}`, text }, () => undefined);
    });
  } finally {
    socket.close();
  }
}

async function startRelay(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await new Promise<number>((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/relay/src/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'relay-bench-web-')), AUTH_SECRET: 'bench-secret-that-is-long-enough-to-sign', LOG_LEVEL: 'warn', LLM_MAX_TOKENS: MAX_TOKENS },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}`);
    if ((await fetch(`${baseUrl}/health/ready`).catch(() => null))?.status === 200) return { child, baseUrl };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('relay not ready within 120 s');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
