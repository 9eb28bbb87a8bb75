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
    const [passage] = new PassageSelector({ maxSentences: 2 }).select('What should I do when the kiln shows error E-14?', [chunk(ERROR_CODES)]);
    expect(passage.text).toBe('- E-14: thermocouple failure. Switch the kiln off and replace the thermocouple (spare part TC-9).');
    // One highlight: the two sentences are neighbours.
    expect(passage.spans.map((s) => ERROR_CODES.slice(s.start, s.end))).toEqual([
      '- E-14: thermocouple failure. Switch the kiln off and replace the thermocouple (spare part TC-9).',
    ]);
  });

  it('does not continue into the next list item', () => {
    const [passage] = new PassageSelector({ maxSentences: 2 }).select('What does E-33 mean?', [chunk(ERROR_CODES)]);
    expect(passage.text.startsWith('- E-33: the door was opened during a firing.')).toBe(true);
    expect(passage.text).not.toContain('If an error code');
  });

  it('joins sentences that are not next to each other with an ellipsis, in their order in the chunk', () => {
    const [passage] = new PassageSelector({ maxSentences: 3 }).select('How many unused leave days can be carried over, and who approves leave?', [chunk(LEAVE)]);
    expect(passage.text).toBe(
      'Up to 6 unused days can be carried over into the next year. Leave is requested in the HR portal and approved by the team lead.',
    );
    // The best sentence and the one after it, then the next best: "… 30 days. … approved by the team lead."
    const [apart] = new PassageSelector({ maxSentences: 3 }).select('How many days of annual leave, and who approves it?', [chunk(LEAVE)]);
    expect(apart.text).toBe(
      'Full-time employees receive 27 days of paid annual leave per year. After five years of service, this rises to 30 days. … ' +
        'Leave is requested in the HR portal and approved by the team lead.',
    );
    expect(apart.spans).toHaveLength(2);
  });

  it('weighs the question words that few sentences share above the ones every source repeats', () => {
    const chunks = [chunk('Quillfeather offices are in Marrowick. Quillfeather was founded in 2019.'), chunk(LEAVE, 'Handbook')];
    const passages = new PassageSelector({ maxSentences: 1 }).select('How many days of paid annual leave at Quillfeather?', chunks);
    expect(passages[1].text).toBe('Full-time employees receive 27 days of paid annual leave per year.');
    expect(passages[1].coverage).toBeGreaterThan(passages[0].coverage);
  });

  it('reports low coverage when the question asks about something no passage mentions', () => {
    const [known] = new PassageSelector({ maxSentences: 2 }).select('How many days of paid annual leave do employees get?', [chunk(LEAVE)]);
    const [unknown] = new PassageSelector({ maxSentences: 2 }).select('How many days of bereavement leave do employees get?', [chunk(LEAVE)]);
    expect(known.coverage).toBe(1);
    expect(unknown.coverage).toBeLessThan(0.6);
  });

  it('gives the whole chunk when maxSentences is 0, and the first sentences when nothing matches', () => {
    const [whole] = new PassageSelector({ maxSentences: 0 }).select('anything', [chunk(LEAVE)]);
    expect(whole.text).toBe(LEAVE);
    const [first] = new PassageSelector({ maxSentences: 2 }).select('zebra crossings', [chunk(LEAVE)]);
    expect(first.text).toBe('Full-time employees receive 27 days of paid annual leave per year. After five years of service, this rises to 30 days.');
    expect(first.coverage).toBe(0);
  });
});
