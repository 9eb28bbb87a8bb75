import { SAME_ORIGIN_HEADER } from '@relay/contracts';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { minimalPdf } from '../../apps/gateway/src/documents/parsers/minimal-pdf';
import { ChatClient, createSession } from '../support/chat-client';
import { RelayProcess } from '../support/relay-process';

// Writes carry the header Relay's page sends (finding 2 of issue 11: no cross-site writes).
const SAME_ORIGIN = { [SAME_ORIGIN_HEADER]: '1' };

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

interface DocumentBody {
  documentId: string;
  title: string;
  status: string;
  chunks: number;
  type: string;
}

// A made-up fact no model or shipped document knows: if an answer cites it, it came from the upload.
const FACT = '# Quorvex station\n\nThe Quorvex relay station on Mount Tellaris was commissioned in 2091 by the engineer Mirela Dunstane.\n';
const QUESTION = 'Who commissioned the Quorvex relay station?';

describe('Documents: upload, answer from them, delete (embedded app, real models)', () => {
  let relay: RelayProcess;
  const folder = mkdtempSync(join(tmpdir(), 'relay-docs-'));

  beforeAll(async () => {
    relay = await RelayProcess.start({ LLM_MAX_TOKENS: '24' });
  });

  afterAll(async () => {
    await relay?.stop();
  });

  async function ask(text: string) {
    const session = await createSession(relay.baseUrl);
    const client = await ChatClient.connect(relay.baseUrl, session.token);
    try {
      return (await client.ask(session.sessionId, text)).done!;
    } finally {
      client.close();
    }
  }

  it('indexes a file uploaded with `npm run ingest`, and the answer cites it first', async () => {
    const path = join(folder, 'quorvex.md');
    writeFileSync(path, FACT);
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/ingest.mjs'), path, '--url', relay.baseUrl], { cwd: folder });
    expect(stdout).toMatch(/indexed\s+quorvex\.md: 1 chunks/);

    const listed = (await (await fetch(`${relay.baseUrl}/api/documents`)).json()) as { documents: DocumentBody[] };
    const doc = listed.documents.find((d) => d.title === 'Quorvex station')!;
    expect(doc).toMatchObject({ status: 'indexed', chunks: 1, type: 'md' });

    const done = await ask(QUESTION);
    // Keyword and vector search both rank the only passage naming Quorvex first.
    expect(done.citations[0]).toMatchObject({ n: 1, documentId: doc.documentId, title: 'Quorvex station' });
    expect(done.citations[0].snippet).toContain('Mirela Dunstane');
  });

  it('re-uploading the same content changes nothing; a PDF keeps its pages', async () => {
    const form = new FormData();
    form.append('file', new Blob([FACT]), 'quorvex.md');
    form.append('source', 'quorvex.md');
    const again = await fetch(`${relay.baseUrl}/api/documents`, { method: 'POST', body: form, headers: SAME_ORIGIN });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { unchanged: boolean }).unchanged).toBe(true);

    const pdf = new FormData();
    pdf.append('file', new Blob([new Uint8Array(minimalPdf([['Page one is about tides.'], ['The Selvarin bridge has 41 arches.']], 'Selvarin'))]), 'selvarin.pdf');
    const res = await fetch(`${relay.baseUrl}/api/documents`, { method: 'POST', body: pdf, headers: SAME_ORIGIN });
    expect(res.status).toBe(201);
    const { document } = (await res.json()) as { document: DocumentBody };
    expect(document).toMatchObject({ status: 'indexed', type: 'pdf', title: 'Selvarin' });
    expect(document.chunks).toBeGreaterThanOrEqual(2);
  });

  it('refuses a corrupt PDF by name and indexes nothing of it', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('%PDF-1.4\nthis is not really a pdf')]), 'broken.pdf');
    const res = await fetch(`${relay.baseUrl}/api/documents`, { method: 'POST', body: form, headers: SAME_ORIGIN });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CORRUPT_DOCUMENT');
    expect(body.error.message).toContain('broken.pdf');
    const listed = (await (await fetch(`${relay.baseUrl}/api/documents`)).json()) as { documents: DocumentBody[] };
    expect(listed.documents.map((d) => d.title)).not.toContain('broken.pdf');
  });

  it('deleting a document removes it from every index: answers no longer cite it', async () => {
    const listed = (await (await fetch(`${relay.baseUrl}/api/documents`)).json()) as { documents: DocumentBody[] };
    const doc = listed.documents.find((d) => d.title === 'Quorvex station')!;
    const res = await fetch(`${relay.baseUrl}/api/documents/${doc.documentId}`, { method: 'DELETE', headers: SAME_ORIGIN });
    expect(res.status).toBe(200);
    expect((await fetch(`${relay.baseUrl}/api/documents/${doc.documentId}`)).status).toBe(404);
    const done = await ask(QUESTION);
    expect(done.citations.map((c) => c.documentId)).not.toContain(doc.documentId);
  });
});
