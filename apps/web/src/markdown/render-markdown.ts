import type { Attribution } from '@relay/contracts';
import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An inline raster image: shown, since no request leaves the page for it. SVG is left out (it can carry links). */
const INLINE_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+$/;

// However an <img> got into the HTML, one that would fetch something is dropped: the CSP (img-src 'self' data:)
// blocks remote images too, but a same-origin URL would still reach Relay's own API with what the model chose.
DOMPurify.addHook('uponSanitizeElement', (node, data) => {
  if (data.tagName === 'img' && !INLINE_IMAGE.test((node as Element).getAttribute('src') ?? '')) node.parentNode?.removeChild(node);
});

/** The numbers the current answer may cite; set around each parse (parsing is synchronous). */
let citable: ReadonlySet<number> = new Set();

const markdown = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // The model's text is untrusted: raw HTML is shown as text, never interpreted.
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    // An image the model wrote would be fetched the moment the answer shows, carrying whatever the model put in its
    // URL (a poisoned document can ask for the question): it becomes a link the reader sees and may follow.
    image: ({ href, text }: Tokens.Image) => {
      if (INLINE_IMAGE.test(href)) return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}">`;
      return `<a href="${escapeHtml(href)}" class="image-link" target="_blank" rel="noopener noreferrer nofollow">${escapeHtml(text || href)} (image)</a>`;
    },
    // The <pre> scrolls sideways for long lines: focusable, so a keyboard can scroll it too.
    code: ({ text, lang }: Tokens.Code) => {
      const language = (lang ?? '').split(/\s/)[0];
      return (
        `<div class="code-block"><div class="code-head"><span>${escapeHtml(language || 'code')}</span>` +
        `<button type="button" class="code-copy" data-copy>Copy code</button></div>` +
        `<pre tabindex="0"><code>${escapeHtml(text)}</code></pre></div>`
      );
    },
  },
  extensions: [
    {
      // "[n]" points at source n of the answer's citations; anything else stays text. "[≈n]" is a marker the page
      // added after a sentence the server matched to source n (see withMatchedMarkers).
      name: 'citation',
      level: 'inline',
      start: (src: string) => src.match(/\[≈?\d/)?.index,
      tokenizer: (src: string) => {
        const match = /^\[(≈?)(\d{1,3})\]/.exec(src);
        return match ? { type: 'citation', raw: match[0], n: Number(match[2]), matched: match[1] === '≈' } : undefined;
      },
      renderer: (token) => {
        const { n, matched } = token as unknown as { n: number; matched: boolean };
        if (!citable.has(n)) return matched ? '' : `[${n}]`;
        if (matched) return `<button type="button" class="cite cite-matched" data-cite="${n}" aria-label="Source ${n} (matched)" title="Matched to source ${n}">${n}</button>`;
        return `<button type="button" class="cite" data-cite="${n}" aria-label="Source ${n}">${n}</button>`;
      },
    },
  ],
});

/**
 * Markdown → sanitized HTML, with copy buttons on code blocks and [n] markers as links to the sources; a sentence
 * the server attributed to a source (without a [n] of its own) gets a marker of the "matched" kind after it.
 */
export function renderMarkdown(text: string, citationNumbers: Iterable<number> = [], attributions: Attribution[] = []): string {
  citable = new Set(citationNumbers);
  try {
    const html = markdown.parse(withMatchedMarkers(text, attributions), { async: false }) as string;
    return DOMPurify.sanitize(html, { ADD_ATTR: ['target'], FORBID_TAGS: ['style', 'form', 'input'] });
  } finally {
    citable = new Set();
  }
}

/** The text with "[≈n]" after each attributed sentence, inserted from the end so earlier offsets stay valid. */
function withMatchedMarkers(text: string, attributions: Attribution[]): string {
  let out = text;
  for (const a of [...attributions].sort((x, y) => y.end - x.end)) {
    if (a.end > text.length || a.end <= a.start) continue;
    out = `${out.slice(0, a.end)}[≈${a.n}]${out.slice(a.end)}`;
  }
  return out;
}
