export interface DocumentChunk {
  position: number;
  /** The section heading path the chunk sits under, kept with the text so a chunk reads on its own. */
  heading: string;
  text: string;
}

/**
 * Splits a Markdown document along its structure: a chunk never crosses a heading, paragraphs stay whole where
 * they fit, and a section longer than `maxChars` is cut between paragraphs (or, for one huge paragraph, between
 * sentences). Fenced code blocks are kept intact with their paragraph.
 */
export function chunkMarkdown(markdown: string, maxChars = 1000): { title: string | undefined; chunks: DocumentChunk[] } {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  let title: string | undefined;
  const sections: Array<{ heading: string; paragraphs: string[] }> = [];
  const path: string[] = [];
  let current = { heading: '', paragraphs: [] as string[] };
  let paragraph: string[] = [];
  let inFence = false;

  const endParagraph = () => {
    const text = paragraph.join('\n').trim();
    if (text) current.paragraphs.push(text);
    paragraph = [];
  };

  for (const line of lines) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      endParagraph();
      if (current.paragraphs.length) sections.push(current);
      const level = heading[1].length;
      const text = heading[2].trim();
      if (level === 1 && title === undefined) title = text;
      path.length = level - 1;
      path[level - 1] = text;
      current = { heading: path.filter(Boolean).join(' › '), paragraphs: [] };
    } else if (!inFence && line.trim() === '') {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  if (current.paragraphs.length) sections.push(current);

  const chunks: DocumentChunk[] = [];
  for (const section of sections) {
    let buffer = '';
    const flush = () => {
      if (buffer.trim()) chunks.push({ position: chunks.length, heading: section.heading, text: buffer.trim() });
      buffer = '';
    };
    for (const para of section.paragraphs.flatMap((p) => (p.length > maxChars ? splitSentences(p, maxChars) : [p]))) {
      if (buffer && buffer.length + para.length + 2 > maxChars) flush();
      buffer = buffer ? `${buffer}\n\n${para}` : para;
    }
    flush();
  }
  return { title, chunks };
}

function splitSentences(paragraph: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let buffer = '';
  for (const sentence of paragraph.split(/(?<=[.!?])\s+/)) {
    if (buffer && buffer.length + sentence.length + 1 > maxChars) {
      pieces.push(buffer);
      buffer = '';
    }
    // A single sentence longer than the limit is cut hard; rare in prose.
    for (let s = sentence; s.length > 0; s = s.slice(maxChars)) {
      const part = s.slice(0, maxChars);
      buffer = buffer ? `${buffer} ${part}` : part;
      if (buffer.length >= maxChars) {
        pieces.push(buffer);
        buffer = '';
      }
    }
  }
  if (buffer) pieces.push(buffer);
  return pieces;
}
