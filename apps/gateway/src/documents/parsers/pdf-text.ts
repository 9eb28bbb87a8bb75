/**
 * pdf.js gives one line per text run: lines are joined with spaces (a hyphen after a letter at a line's end joins
 * the word) and a blank line ends a paragraph. Linear in the page's length: pieces are collected and joined once
 * (re-testing and re-slicing the growing text for every line made a long page quadratic).
 */
export function joinPdfLines(text: string): string {
  const paragraphs: string[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) paragraphs.push(paragraph.join(''));
    paragraph = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) {
      endParagraph();
      continue;
    }
    const last = paragraph[paragraph.length - 1];
    if (last === undefined) paragraph.push(line);
    else if (last.length >= 2 && last.endsWith('-') && isLetter(last[last.length - 2])) {
      paragraph[paragraph.length - 1] = last.slice(0, -1);
      paragraph.push(line);
    } else paragraph.push(` ${line}`);
  }
  endParagraph();
  return paragraphs.join('\n\n').trim();
}

const isLetter = (ch: string) => (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
