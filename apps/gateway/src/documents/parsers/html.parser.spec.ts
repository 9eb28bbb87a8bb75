import { parseHtml } from './html.parser';

describe('parseHtml', () => {
  it('keeps headings as # lines and paragraphs, drops scripts, styles and navigation, takes <title>', () => {
    const html = `<html><head><title>Ops &amp; Runbook</title><style>p{color:red}</style></head><body>
      <nav>Home | About</nav><h1>Runbook</h1><p>Restart the  <b>relay</b> first.</p><script>alert('x')</script>
      <h2>Kafka</h2><ul><li>Check the broker.</li><li># Not a heading</li></ul></body></html>`;
    const doc = parseHtml(html, 'file');
    expect(doc.title).toBe('Ops & Runbook');
    expect(doc.format).toBe('markdown');
    expect(doc.sections[0].text).toBe('# Runbook\n\nRestart the relay first.\n\n## Kafka\n\nCheck the broker.\n\n\\# Not a heading');
  });
});
