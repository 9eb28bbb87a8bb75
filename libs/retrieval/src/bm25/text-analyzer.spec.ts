import { analyze } from './text-analyzer';

describe('analyze', () => {
  it('lower-cases, drops English stop words and stems with Porter', () => {
    expect(analyze('The Cells are Running into the Generalizations')).toEqual(['cell', 'run', 'gener']);
  });

  it('gives the same terms to inflected forms of one word', () => {
    expect(analyze('relational relate')).toEqual(['relat', 'relat']);
    expect(analyze('ponies pony')).toEqual(['poni', 'poni']);
    expect(analyze('caresses caress')).toEqual(['caress', 'caress']);
  });

  it('splits on punctuation and keeps letters of any script, with their accents', () => {
    expect(analyze('naïve—café, Größe; 東京!')).toEqual(['naïv', 'café', 'größe', '東京']);
  });

  it('keeps decimal numbers whole and drops possessive s', () => {
    expect(analyze("the patient's IL-6 level rose 1.5 fold")).toEqual(['patient', 'il', '6', 'level', 'rose', '1.5', 'fold']);
  });

  it('returns no terms for stop words, punctuation or empty text', () => {
    expect(analyze('')).toEqual([]);
    expect(analyze('is it not the, or a?')).toEqual([]);
  });

  it('normalises compatibility characters (NFKC) so ligatures and full-width letters match plain ones', () => {
    expect(analyze('ﬁnding ＤＮＡ')).toEqual(analyze('finding DNA'));
  });
});
