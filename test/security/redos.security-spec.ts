import { WordTokenizer } from '@relay/testing';
import { ReadinessRegistry } from '@relay/observability';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from '../../apps/gateway/src/documents/parsers/document-parser';
import type { DocumentIndexer } from '../../apps/pipeline/src/ingestion/document-indexer';
import { TokenChunker } from '../../apps/pipeline/src/ingestion/token-chunker';
import { KnowledgeBaseSeeder } from '../../apps/pipeline/src/knowledge-base/knowledge-base-seeder';
import type { PipelineConfig } from '../../apps/pipeline/src/pipeline.config';
import { regexInventory } from './support/regex-inventory';

// Finding 1: a heading regex with overlapping quantifiers (`\s+(.+?)\s*#*\s*$`) took 4.2 s on `# a` + 2,000 spaces +
// `b` and grew with the cube of the line. Every place that reads Markdown headings must do such a line in
// milliseconds, and no regex in the code may backtrack super-linearly.

/** The review's pathological line: a heading whose spaces every quantifier can claim, with no end to match. */
const pathologicalLine = (spaces: number) => `# a${' '.repeat(spaces)}b\u0000`;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('finding 1: regular-expression denial of service', () => {
  it('parses an uploaded Markdown file with the pathological heading line in milliseconds', async () => {
    const started = performance.now();
    const doc = await parseDocument('evil.md', Buffer.from(`${pathologicalLine(3000)}\n\nSome text.`));
    expect(performance.now() - started).toBeLessThan(200);
    expect(doc.title.startsWith('a')).toBe(true);
  });

  it('chunks a document made of pathological heading lines in milliseconds', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 50, overlapTokens: 5 });
    const text = Array.from({ length: 5 }, () => pathologicalLine(3000)).join('\n');
    const { value, ms } = timed(() => chunker.chunk({ title: 'T', format: 'markdown', sections: [{ text: `${text}\n\nBody.` }] }));
    expect(ms).toBeLessThan(500);
    expect(value.map((c) => c.text)).toContain('Body.');
  });

  it('chunks a long paragraph of tab runs (the sentence splitter) in linear time', () => {
    const chunker = new TokenChunker(new WordTokenizer(), { chunkTokens: 20, overlapTokens: 5 });
    // Over the budget, so the paragraph is split into sentences; a run of tabs not after a sentence end and with no
    // newline was scanned again from each of its positions (6 s for 60,000 tabs).
    const paragraph = `${Array.from({ length: 30 }, (_, i) => `word${i}.`).join(' ')} and more${'\t'.repeat(60_000)}x`;
    const { ms } = timed(() => chunker.chunk({ title: 'T', format: 'plain', sections: [{ text: paragraph }] }));
    expect(ms).toBeLessThan(500);
  });

  it('seeds a knowledge-base file with the pathological line in milliseconds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-kb-'));
    writeFileSync(join(dir, 'evil.md'), `Intro.\n${pathologicalLine(3000)}\n\nBody.`);
    const titles: string[] = [];
    const indexer = { replace: async ({ chunks }: { chunks: Array<{ title: string }> }) => void titles.push(...chunks.map((c) => c.title)), remove: async () => undefined };
    const seeder = new KnowledgeBaseSeeder(
      new TokenChunker(new WordTokenizer(), { chunkTokens: 50, overlapTokens: 5 }),
      indexer as unknown as DocumentIndexer,
      { KNOWLEDGE_BASE_DIR: dir, SEED_KNOWLEDGE_BASE: true } as PipelineConfig,
      join(dir, 'manifest.json'),
      new ReadinessRegistry(),
    );
    const started = performance.now();
    await seeder.seed();
    expect(performance.now() - started).toBeLessThan(500);
    expect(titles.length).toBeGreaterThan(0);
  });

  it('reads a one-megabyte heading line in well under a second', async () => {
    const started = performance.now();
    await parseDocument('huge.md', Buffer.from(`${pathologicalLine(1_000_000)}\n\nText.`));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('finding 1, everywhere: every regex in the code is checked for super-linear backtracking', () => {
  // recheck (https://makenowjust-labs.github.io/recheck/) decides, per regex, whether an input can make V8's
  // backtracking matcher take polynomial or exponential time, and gives that input. Its JavaScript build runs anywhere (no JVM or native binary needed).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkSync } = require('recheck') as typeof import('recheck');
  const { literals, dynamic } = regexInventory();

  it('finds the regexes to check (the inventory works)', () => {
    expect(literals.length).toBeGreaterThan(30);
    expect(literals.some((r) => r.where.startsWith('apps/gateway/src/documents/'))).toBe(true);
  });

  it('has no regex that backtracks super-linearly', () => {
    const vulnerable: string[] = [];
    for (const regex of literals) {
      // g and y change where matching starts, not how a match backtracks.
      const flags = regex.flags.replace(/[gy]/g, '');
      // "unknown" means recheck ran out of time, which a loaded machine makes likely for long alternations: once more, longer.
      let result = checkSync(regex.source, flags, { timeout: 10_000 });
      if (result.status === 'unknown') result = checkSync(regex.source, flags, { timeout: 60_000 });
      if (result.status !== 'safe') vulnerable.push(`${regex.where} /${regex.source}/${regex.flags}: ${result.status}${result.status === 'vulnerable' ? ` (${result.complexity.type}; attack ${result.attack.pattern})` : ''}`);
    }
    expect(vulnerable).toEqual([]);
  });

  it('builds no RegExp from a variable (those cannot be checked here)', () => {
    expect(dynamic).toEqual([]);
  });
});
