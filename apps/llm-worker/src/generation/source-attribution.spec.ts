import type { PromptSource } from '@relay/contracts';
import { isDecline } from './decline-detector';
import { SourceAttribution } from './source-attribution';

function source(n: number, title: string, passage: string, before = 'Unrelated text comes first. '): PromptSource {
  const snippet = `${before}${passage} Unrelated text comes last.`;
  return { n, documentId: `doc-${n}`, title, source: `${n}.md`, snippet, score: 0.5, highlights: [{ start: before.length, end: before.length + passage.length }] };
}

const SOURCES = [
  source(1, 'Quillfeather travel policy — Transport', 'Crossings with the Lysander ferry are reimbursed at the standard single adult fare.'),
  source(2, 'Lysander ferry guide — Fares', 'A single adult ticket costs 19 euros and a return ticket 34 euros.'),
  source(3, 'Kiln manual — Overview', 'Its chamber holds 68 litres and it reaches a maximum temperature of 1,285 °C.'),
];
const QUESTION = 'How much does Quillfeather reimburse for a single Lysander ferry crossing?';
const attribution = new SourceAttribution({ minSupport: 0.5 });
const cited = (r: ReturnType<SourceAttribution['attribute']>) => r.citations.filter((c) => c.cited).map((c) => [c.n, c.citedBy]);

describe('SourceAttribution', () => {
  it('cites the sources whose [n] the answer wrote on sentences they support', () => {
    const r = attribution.attribute('The ferry is reimbursed at the standard single adult fare [1], which is 19 euros [2].', QUESTION, SOURCES);
    expect(cited(r)).toEqual([
      [1, 'marker'],
      [2, 'marker'],
    ]);
    expect(r.grounding).toBe('grounded');
    expect(r.attributions).toEqual([]);
  });

  it('attributes a sentence without a marker to the source that supports it, with its place in the text', () => {
    const answer = 'Quillfeather pays the standard single adult fare. A single ticket costs 19 euros.';
    const r = attribution.attribute(answer, QUESTION, SOURCES);
    expect(cited(r)).toEqual([
      [1, 'attribution'],
      [2, 'attribution'],
    ]);
    expect(r.attributions.map((a) => [answer.slice(a.start, a.end), a.n])).toEqual([
      ['Quillfeather pays the standard single adult fare.', 1],
      ['A single ticket costs 19 euros.', 2],
    ]);
    expect(r.citations[2]).toMatchObject({ n: 3, cited: false });
    expect(r.citations[2].citedBy).toBeUndefined();
  });

  it('does not count a marker on a sentence its source does not support, and never marks a source for a made-up figure', () => {
    const r = attribution.attribute('The crossing costs 45 euros [2].', QUESTION, SOURCES);
    expect(cited(r)).toEqual([]);
    expect(r.grounding).toBe('unsupported');
    const weight = attribution.attribute('The Vantorra K7 weighs 240 kilograms.', 'How much does the Vantorra K7 weigh?', SOURCES);
    expect(cited(weight)).toEqual([]);
    expect(weight.grounding).toBe('unsupported');
  });

  it('does not let a source support a sentence about another topic because it shares a figure', () => {
    const r = attribution.attribute('The boiling point of liquid nitrogen is 1,285 °C [3].', 'What is the boiling point of liquid nitrogen?', SOURCES);
    expect(cited(r)).toEqual([]);
    expect(r.grounding).toBe('unsupported');
  });

  it('does not count a lead-in such as "Based on the information provided in the sources" against the sentence', () => {
    const r = attribution.attribute('Based on the information provided in the sources, it is 19 euros.', QUESTION, SOURCES);
    expect(cited(r)).toEqual([[2, 'attribution']]);
  });

  it('does not let a source support a sentence about something it never mentions, however many words they share', () => {
    const question = 'How much does a ferry ticket for a motorbike cost on the Lysander ferry?';
    const r = attribution.attribute('A motorbike ticket costs 19 euros.', question, SOURCES);
    expect(cited(r)).toEqual([]);
    expect(r.grounding).toBe('unsupported');
    // Held less strictly, the fares "support" it through the words it shares with them.
    expect(cited(new SourceAttribution({ minSupport: 0.5, minOnTopic: 0.5 }).attribute('A motorbike ticket costs 19 euros.', question, SOURCES))).toEqual([
      [2, 'attribution'],
    ]);
  });

  it('attributes each clause of a sentence that joins two sources to its own source', () => {
    const answer = 'Quillfeather reimburses the standard single adult fare, which is 19 euros.';
    const r = attribution.attribute(answer, QUESTION, SOURCES);
    expect(cited(r)).toEqual([
      [1, 'attribution'],
      [2, 'attribution'],
    ]);
    expect(r.attributions.map((a) => [answer.slice(a.start, a.end), a.n])).toEqual([
      ['Quillfeather reimburses the standard single adult fare', 1],
      ['which is 19 euros.', 2],
    ]);
    // A clause no source supports leaves the whole sentence unsupported.
    expect(attribution.attribute('Quillfeather reimburses the standard single adult fare, which is 45 euros.', QUESTION, SOURCES).grounding).toBe('unsupported');
  });

  it('matches figures whatever their thousands separator', () => {
    const r = attribution.attribute('It reaches 1285 °C at most.', 'What is the maximum temperature of the kiln?', SOURCES);
    expect(cited(r)).toEqual([[3, 'attribution']]);
  });

  it('says not_found and cites nothing when the answer only says the sources do not have it, markers included', () => {
    for (const answer of ['I could not find that in your documents. [1]', 'The sources do not mention a dog licence.', "I don't know."]) {
      const r = attribution.attribute(answer, 'How much does a dog licence cost?', SOURCES);
      expect(cited(r)).toEqual([]);
      expect(r.grounding).toBe('not_found');
    }
  });

  it('still cites the part of an answer that is supported next to a sentence that declines', () => {
    const r = attribution.attribute('The sources do not say whether bicycles are reimbursed. A single ticket costs 19 euros.', QUESTION, SOURCES);
    expect(cited(r)).toEqual([[2, 'attribution']]);
    expect(r.grounding).toBe('grounded');
  });

  it('judges by what the answer adds to the question, so restating the question supports nothing', () => {
    const r = attribution.attribute('Quillfeather reimburses a single Lysander ferry crossing.', QUESTION, SOURCES);
    // Every word is the question's, so all of them count; "reimburs", "lysander", "ferri", "crossing" are in [1].
    expect(cited(r)).toEqual([[1, 'attribution']]);
    const restated = new SourceAttribution({ minSupport: 0.5 }).attribute('Quillfeather reimburses it, and bicycles cost extra.', QUESTION, SOURCES);
    expect(cited(restated)).toEqual([]);
  });

  it('has no grounding for an empty answer, and calls markers without words unsupported', () => {
    expect(attribution.attribute('', QUESTION, SOURCES).grounding).toBeNull();
    expect(attribution.attribute('[1] [2] [3]', QUESTION, SOURCES)).toMatchObject({ grounding: 'unsupported', attributions: [] });
  });

  it('reads the whole snippet when a source has no highlighted passage', () => {
    const whole = { ...SOURCES[1], highlights: [] };
    const r = attribution.attribute('A return ticket costs 34 euros.', QUESTION, [whole]);
    expect(cited(r)).toEqual([[2, 'attribution']]);
    // With the highlight, only the passage counts: the snippet's other sentences are not what the model read.
    expect(cited(attribution.attribute('Unrelated text comes last.', QUESTION, [SOURCES[1]]))).toEqual([]);
  });

  it('marks a sentence only above the threshold', () => {
    const answer = 'A single adult ticket is cheap on weekdays.';
    expect(cited(new SourceAttribution({ minSupport: 0.3 }).attribute(answer, QUESTION, SOURCES))).toEqual([[2, 'attribution']]);
    expect(cited(new SourceAttribution({ minSupport: 0.8 }).attribute(answer, QUESTION, SOURCES))).toEqual([]);
  });
});

describe('isDecline', () => {
  it('recognises the ways a model says the sources lack the answer', () => {
    for (const s of [
      "I don't know.",
      'I could not find that in your documents.',
      'The provided sources do not mention the weight of the kiln.',
      "The documents don't specify a fee.",
      'This is not mentioned in the sources.',
      'There is no information about pets.',
      'Unable to determine from the context.',
    ]) {
      expect([s, isDecline(s)]).toEqual([s, true]);
    }
  });

  it('does not take an answer that merely says "not" for a decline', () => {
    for (const s of ['Dogs are not allowed in the lounge.', 'Alcohol is never reimbursed.', 'The program does not resume after E-33.']) {
      expect([s, isDecline(s)]).toEqual([s, false]);
    }
  });
});
