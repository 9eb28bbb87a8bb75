/**
 * @jest-environment jsdom
 */
import { renderMarkdown } from './render-markdown';

const dom = (html: string) => {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
};

describe('renderMarkdown', () => {
  it('renders Markdown, with a copy button on each code block', () => {
    const out = dom(renderMarkdown('Some **bold** text.\n\n```ts\nconst a = 1 < 2;\n```'));
    expect(out.querySelector('strong')?.textContent).toBe('bold');
    const block = out.querySelector('.code-block')!;
    expect(block.querySelector('code')?.textContent).toBe('const a = 1 < 2;');
    expect(block.querySelector('[data-copy]')?.textContent).toBe('Copy code');
    expect(block.querySelector('.code-head span')?.textContent).toBe('ts');
    expect(block.querySelector('pre')?.getAttribute('tabindex')).toBe('0');
  });

  it('turns [n] into a link to source n only when the answer has source n', () => {
    const out = dom(renderMarkdown('Refunds take 5 days [1]. See also [7] and `[1]` in code.', [1, 2]));
    const cites = out.querySelectorAll('button.cite');
    expect([...cites].map((c) => c.getAttribute('data-cite'))).toEqual(['1']);
    expect(out.textContent).toContain('[7]');
    expect(out.querySelector('code')?.textContent).toBe('[1]');
  });

  it('puts a matched marker after each sentence the server attributed, and none for a source the answer lacks', () => {
    const text = 'The permit costs 84 euros. It is issued at Lantern Square 2 [2]. Parking is free on Sundays.';
    const attributions = [
      { start: 0, end: 26, n: 1 },
      { start: 65, end: 93, n: 3 },
    ];
    const out = dom(renderMarkdown(text, [1, 2], attributions));
    const cites = [...out.querySelectorAll('button.cite')];
    expect(cites.map((c) => [c.getAttribute('data-cite'), c.classList.contains('cite-matched')])).toEqual([
      ['1', true],
      ['2', false],
    ]);
    expect(cites[0].getAttribute('aria-label')).toBe('Source 1 (matched)');
    expect(out.textContent?.trim()).toBe('The permit costs 84 euros.1 It is issued at Lantern Square 2 2. Parking is free on Sundays.');
  });

  it('shows raw HTML from the model as text, never as markup', () => {
    const out = dom(renderMarkdown('<img src=x onerror="alert(1)"> and <script>alert(2)</script>'));
    expect(out.querySelector('img')).toBeNull();
    expect(out.querySelector('script')).toBeNull();
    expect(out.textContent).toContain('<img src=x');
  });

  it('drops javascript: links', () => {
    const out = dom(renderMarkdown('[click](javascript:alert(1))'));
    expect(out.querySelector('a')?.getAttribute('href') ?? '').not.toContain('javascript');
  });
});
