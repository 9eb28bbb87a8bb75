import { minimalPdf } from './minimal-pdf';
import { parsePdf, PdfReadError } from './pdf.parser';

describe('parsePdf', () => {
  it('reads the text of each page with its 1-based page number and the title from the metadata', async () => {
    const pdf = minimalPdf([['The flux capacitor needs', '1.21 gigawatts.'], ['Page two talks about Kafka.']], 'Time Travel Notes');

    const doc = await parsePdf(pdf, 'notes');

    expect(doc.title).toBe('Time Travel Notes');
    expect(doc.format).toBe('plain');
    expect(doc.sections).toEqual([
      { page: 1, text: 'The flux capacitor needs 1.21 gigawatts.' },
      { page: 2, text: 'Page two talks about Kafka.' },
    ]);
  });

  it('falls back to the file name for the title when the PDF has none', async () => {
    expect((await parsePdf(minimalPdf([['Hello.']]), 'manual')).title).toBe('manual');
  });

  it('rejects a corrupt PDF with the reader’s reason', async () => {
    const corrupt = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF');
    await expect(parsePdf(corrupt, 'broken')).rejects.toBeInstanceOf(PdfReadError);
    await expect(parsePdf(Buffer.from('not a pdf at all'), 'broken')).rejects.toThrow(/PDF/i);
  });
});
