import { sentencesOf, splitSentences } from './sentences';

describe('splitSentences', () => {
  it('splits at full stops, question and exclamation marks followed by a space', () => {
    expect(sentencesOf('It takes 9 hours. Is that long? Yes!  It is.')).toEqual(['It takes 9 hours.', 'Is that long?', 'Yes!', 'It is.']);
  });

  it('does not split after titles, common abbreviations, initials or inside numbers', () => {
    expect(sentencesOf('Report it to Dr. Pieter Anholt on ext. 4471. Waves above 1.8 metres stop dives, e.g. in storms.')).toEqual([
      'Report it to Dr. Pieter Anholt on ext. 4471.',
      'Waves above 1.8 metres stop dives, e.g. in storms.',
    ]);
    expect(sentencesOf('Ask J. R. Smith first. Then go.')).toEqual(['Ask J. R. Smith first.', 'Then go.']);
    expect(sentencesOf('It reaches 1,285 °C. Keep it in fridge F2. Done.')).toEqual(['It reaches 1,285 °C.', 'Keep it in fridge F2.', 'Done.']);
  });

  it('makes each list item, heading and paragraph a piece of its own, so they never merge', () => {
    expect(sentencesOf('Error codes:\n- E-14: thermocouple failure. Replace it.\n- E-21: slow rise\n\nDone')).toEqual([
      'Error codes:',
      '- E-14: thermocouple failure.',
      'Replace it.',
      '- E-21: slow rise',
      'Done',
    ]);
  });

  it('does not end a sentence at a line break inside a paragraph (hard-wrapped prose)', () => {
    expect(sentencesOf('Relay streams the answer\ntoken by token. It cites\nits sources.\n\n# Setup\nRun it.')).toEqual([
      'Relay streams the answer\ntoken by token.',
      'It cites\nits sources.',
      '# Setup',
      'Run it.',
    ]);
  });

  it('keeps citation markers written after the full stop with the sentence before them', () => {
    expect(sentencesOf('A ticket costs 19 euros. [2] Cars cost 62 euros [3]. Bikes are cheap.')).toEqual([
      'A ticket costs 19 euros. [2]',
      'Cars cost 62 euros [3].',
      'Bikes are cheap.',
    ]);
  });

  it('returns trimmed spans into the original text', () => {
    const text = '  One. \n\n Two three.  ';
    const spans = splitSentences(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['One.', 'Two three.']);
    expect(spans[0]).toEqual({ start: 2, end: 6 });
  });

  it('returns nothing for empty or blank text, and the whole text when it has no terminator', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n ')).toEqual([]);
    expect(sentencesOf('an unfinished thought')).toEqual(['an unfinished thought']);
  });
});
