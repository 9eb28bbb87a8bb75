import { chunkMarkdown } from './markdown-chunker';

const sentence = (i: number) => `Sentence number ${i} talks about the relay pipeline.`;

describe('chunkMarkdown', () => {
  it('takes the title from the first H1', () => {
    const md = '## Preface\n\nSome words.\n\n# Relay Guide\n\nIntro.\n\n# Appendix\n\nMore.';
    expect(chunkMarkdown(md).title).toBe('Relay Guide');
  });

  it('has no title when the document has no H1', () => {
    expect(chunkMarkdown('## Only a section\n\nText.').title).toBeUndefined();
  });

  it('never lets a chunk cross a heading, and labels each chunk with its heading path', () => {
    const md = [
      '# Guide',
      'Intro paragraph.',
      '## Setup',
      'Install it.',
      '### Linux',
      'Use apt.',
      '## Usage',
      'Run it.',
    ].join('\n\n');

    const { chunks } = chunkMarkdown(md, 1000);

    expect(chunks).toEqual([
      { position: 0, heading: 'Guide', text: 'Intro paragraph.' },
      { position: 1, heading: 'Guide › Setup', text: 'Install it.' },
      { position: 2, heading: 'Guide › Setup › Linux', text: 'Use apt.' },
      { position: 3, heading: 'Guide › Usage', text: 'Run it.' },
    ]);
  });

  it('leaves out skipped heading levels from the path and ignores empty sections', () => {
    const md = '# Top\n\n### Deep\n\nText under deep.\n\n## Empty\n\n## Full\n\nText under full.';
    const { chunks } = chunkMarkdown(md);
    expect(chunks.map((c) => c.heading)).toEqual(['Top › Deep', 'Top › Full']);
  });

  it('gives text before any heading an empty heading path', () => {
    const { chunks } = chunkMarkdown('Preamble text.\n\n# Title\n\nBody.');
    expect(chunks[0]).toEqual({ position: 0, heading: '', text: 'Preamble text.' });
  });

  it('packs whole paragraphs into chunks no longer than maxChars', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${String(i).padStart(2, '0')} ${'x'.repeat(80)}.`);
    const md = `# Doc\n\n${paragraphs.join('\n\n')}`;

    const { chunks } = chunkMarkdown(md, 250);

    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(250);
    // Paragraphs stay whole and in order.
    expect(chunks.flatMap((c) => c.text.split('\n\n'))).toEqual(paragraphs);
    expect(chunks.map((c) => c.position)).toEqual(chunks.map((_, i) => i));
  });

  it('cuts one huge paragraph between sentences', () => {
    const sentences = Array.from({ length: 30 }, (_, i) => sentence(i));
    const { chunks } = chunkMarkdown(`# Doc\n\n${sentences.join(' ')}`, 200);

    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(200);
      expect(c.text).toMatch(/^Sentence number \d+ .*pipeline\.$/);
    }
    expect(chunks.map((c) => c.text).join(' ')).toBe(sentences.join(' '));
  });

  it('cuts a single sentence longer than maxChars hard, still within the limit', () => {
    const run = 'a'.repeat(450);
    const { chunks } = chunkMarkdown(run, 100);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(100);
    expect(chunks.map((c) => c.text).join('')).toBe(run);
  });

  it('keeps a fenced code block intact, with its blank lines and # comments', () => {
    const fence = ['```bash', '# install the dependencies', 'npm ci', '', '# then start', 'npm start', '```'].join('\n');
    const md = `# Setup\n\nRun these commands:\n${fence}\n\n## Next\n\nDone.`;

    const { chunks } = chunkMarkdown(md, 1000);

    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toEqual({ position: 0, heading: 'Setup', text: `Run these commands:\n${fence}` });
    expect(chunks[1]).toMatchObject({ heading: 'Setup › Next', text: 'Done.' });
  });

  it('does not split a code block from the rest of its section when it fits', () => {
    const fence = '```ts\nconst a = 1;\n\nconst b = 2;\n```';
    const md = `# Code\n\nBefore.\n\n${fence}\n\nAfter.`;
    const { chunks } = chunkMarkdown(md, 1000);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].text).toBe(`Before.\n\n${fence}\n\nAfter.`);
  });

  it('treats CRLF line endings like LF', () => {
    const lf = chunkMarkdown('# T\n\nOne.\n\n## S\n\nTwo.');
    const crlf = chunkMarkdown('# T\r\n\r\nOne.\r\n\r\n## S\r\n\r\nTwo.');
    expect(crlf).toEqual(lf);
  });

  it('returns no chunks for an empty document', () => {
    expect(chunkMarkdown('')).toEqual({ title: undefined, chunks: [] });
  });
});
