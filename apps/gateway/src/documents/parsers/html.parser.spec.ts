import { HtmlReadError, parseHtml } from './html.parser';

describe('parseHtml', () => {
  it('keeps headings as # lines and paragraphs, drops scripts, styles and navigation, takes <title>', async () => {
    const html = `<html><head><title>Ops &amp; Runbook</title><style>p{color:red}</style></head><body>
      <nav>Home | About</nav><h1>Runbook</h1><p>Restart the  <b>relay</b> first.</p><script>alert('x')</script>
      <h2>Kafka</h2><ul><li>Check the broker.</li><li># Not a heading</li></ul></body></html>`;
    const doc = await parseHtml(html, 'file');
    expect(doc.title).toBe('Ops & Runbook');
    expect(doc.format).toBe('markdown');
    expect(doc.sections[0].text).toBe('# Runbook\n\nRestart the relay first.\n\n## Kafka\n\nCheck the broker.\n\n\\# Not a heading');
  });

  it('reads a fragment without <body>, text directly in <body>, and takes the first <h1> when there is no <title>', async () => {
    expect((await parseHtml('<h1>Only <i>heading</i></h1>loose text<div>block</div>', 'f')).sections[0].text).toBe('# Only heading\n\nloose text\n\nblock');
    const doc = await parseHtml('<html><body>Direct text<h1>First</h1><h1>Second</h1></body></html>', 'f');
    expect(doc.title).toBe('First');
    expect(doc.sections[0].text).toBe('Direct text\n\n# First\n\n# Second');
    expect((await parseHtml('<p>no title</p>', 'fallback')).title).toBe('fallback');
  });

  it('refuses nesting deeper than the limit, saying so', async () => {
    const html = `${'<div>'.repeat(50)}x${'</div>'.repeat(50)}`;
    await expect(parseHtml(html, 'f', { maxDepth: 20, timeoutMs: 10_000 })).rejects.toThrow(new HtmlReadError('its elements are nested more than 20 deep'));
    expect((await parseHtml(html, 'f', { maxDepth: 60, timeoutMs: 10_000 })).sections[0].text).toBe('x');
  });

  it('stops a parse that takes longer than its time limit', async () => {
    // Thousands of unclosed tags make node-html-parser's parse superlinear.
    await expect(parseHtml('<div>'.repeat(30_000), 'f', { maxDepth: 100_000, timeoutMs: 300 })).rejects.toThrow(/longer than 300 ms/);
  });
});
