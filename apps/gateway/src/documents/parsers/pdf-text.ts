/**
 * pdf.js gives one line per text run: lines are joined with spaces (a hyphen at a line's end joins the word) and a
 * blank line ends a paragraph.
 */
export function joinPdfLines(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) {
      if (!out.endsWith('\n\n') && out) out += '\n\n';
      continue;
    }
    if (!out || out.endsWith('\n\n')) out += line;
    else if (/[A-Za-z]-$/.test(out)) out = out.slice(0, -1) + line;
    else out += ` ${line}`;
  }
  return out.trim();
}
