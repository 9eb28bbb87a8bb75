import type { RetrievedChunk } from '@relay/contracts';
import { PassageSelector } from './passage-selector';

const chunk = (text: string, title = 'Kiln manual'): RetrievedChunk => ({ chunkId: title, documentId: 'd', title, source: 's', text, score: 0.5 });

const ERROR_CODES = [
  'The controller shows an error code when something is wrong.',
  '- E-14: thermocouple failure. Switch the kiln off and replace the thermocouple (spare part TC-9).',
  '- E-21: the temperature rises slower than 20 °C per hour. The heating elements are probably worn.',
  '- E-33: the door was opened during a firing.',
  '',
  'If an error code comes back after a restart, call the support line.',
].join('\n');

const LEAVE =
  'Full-time employees receive 27 days of paid annual leave per year. After five years of service, this rises to 30 days. ' +
  'Part-time employees receive leave in proportion to their contract. Up to 6 unused days can be carried over into the next year. ' +
  'Leave is requested in the HR portal and approved by the team lead.';

describe('PassageSelector', () => {
  it('keeps the sentence that matches the question and the one after it in the same list item', () => {
    const [passage] = new PassageSelector({ maxSentences: 2 }).select('What should I do when the kiln shows error E-14?', [chunk(ERROR_CODES)]).passages;
    expect(passage.text).toBe('- E-14: thermocouple failure. Switch the kiln off and replace the thermocouple (spare part TC-9).');
    // One highlight: the two sentences are neighbours.
    expect(passage.spans.map((s) => ERROR_CODES.slice(s.start, s.end))).toEqual([
      '- E-14: thermocouple failure. Switch the kiln off and replace the thermocouple (spare part TC-9).',
    ]);
  });

  it('does not continue into the next list item', () => {
    const [passage] = new PassageSelector({ maxSentences: 2 }).select('What does E-33 mean?', [chunk(ERROR_CODES)]).passages;
    expect(passage.text.startsWith('- E-33: the door was opened during a firing.')).toBe(true);
    expect(passage.text).not.toContain('If an error code');
  });

  it('joins sentences that are not next to each other with an ellipsis, in their order in the chunk', () => {
    const [passage] = new PassageSelector({ maxSentences: 3 }).select('How many unused leave days can be carried over, and who approves leave?', [chunk(LEAVE)]).passages;
    expect(passage.text).toBe(
      'Up to 6 unused days can be carried over into the next year. Leave is requested in the HR portal and approved by the team lead.',
    );
    // The best sentence and the one after it, then the next best: "… 30 days. … approved by the team lead."
    const [apart] = new PassageSelector({ maxSentences: 3 }).select('How many days of annual leave, and who approves it?', [chunk(LEAVE)]).passages;
    expect(apart.text).toBe(
      'Full-time employees receive 27 days of paid annual leave per year. After five years of service, this rises to 30 days. … ' +
        'Leave is requested in the HR portal and approved by the team lead.',
    );
    expect(apart.spans).toHaveLength(2);
  });

  it('weighs the question words that few sentences share above the ones every source repeats', () => {
    const chunks = [chunk('Quillfeather offices are in Marrowick. Quillfeather was founded in 2019.'), chunk(LEAVE, 'Handbook')];
    const { passages, coverage } = new PassageSelector({ maxSentences: 1 }).select('How many days of paid annual leave at Quillfeather?', chunks);
    expect(passages[1].text).toBe('Full-time employees receive 27 days of paid annual leave per year.');
    expect(coverage([passages[1]])).toBeGreaterThan(coverage([passages[0]]));
  });

  it("measures how much of the question the passages cover together, their chunks' titles included", () => {
    const chunks = [chunk(LEAVE, 'Quillfeather handbook — Leave'), chunk('Bereavement is not covered here.', 'Other')];
    const known = new PassageSelector({ maxSentences: 2 }).select('How many days of paid annual leave do Quillfeather employees get?', chunks);
    // "Quillfeather" is only in the title; "how many", "do" and "get" ask and do not count.
    expect(known.coverage([known.passages[0]])).toBe(1);
    const absent = new PassageSelector({ maxSentences: 2 }).select('How many days of compassionate leave do employees get?', chunks);
    expect(absent.coverage(absent.passages)).toBeLessThan(0.7);
    expect(absent.coverage([])).toBe(0);
  });

  it('gives the whole chunk when maxSentences is 0, and the first sentences when nothing matches', () => {
    const [whole] = new PassageSelector({ maxSentences: 0 }).select('anything', [chunk(LEAVE)]).passages;
    expect(whole.text).toBe(LEAVE);
    expect(whole.spans).toEqual([{ start: 0, end: LEAVE.length }]);
    const none = new PassageSelector({ maxSentences: 2 }).select('zebra crossings', [chunk(LEAVE)]);
    expect(none.passages[0].text).toBe('Full-time employees receive 27 days of paid annual leave per year. After five years of service, this rises to 30 days.');
    expect(none.coverage(none.passages)).toBe(0);
  });
});
