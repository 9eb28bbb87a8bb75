import { joinPdfLines } from './pdf-text';

describe('joinPdfLines', () => {
  it('joins lines with spaces, rejoins hyphenated words, and keeps blank lines as paragraph breaks', () => {
    expect(joinPdfLines('The flux capa-\ncitor needs\n  1.21 gigawatts.  \n\n\nNew para-\n\ngraph -\nend')).toBe(
      'The flux capacitor needs 1.21 gigawatts.\n\nNew para-\n\ngraph - end',
    );
  });

  it('handles an empty page and a one-letter hyphen', () => {
    expect(joinPdfLines('\n\n')).toBe('');
    expect(joinPdfLines('-\nx')).toBe('- x');
  });
});
