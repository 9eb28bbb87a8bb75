import { RepetitionGuard } from './repetition-guard';

/** Cuts text into pieces the way a tokenizer streams it: a leading space with part of a word, 1–4 characters. */
function tokens(text: string): string[] {
  const pieces: string[] = [];
  let i = 0;
  let size = 1;
  while (i < text.length) {
    pieces.push(text.slice(i, i + size));
    i += size;
    size = (size % 4) + 1;
  }
  return pieces;
}

/** Streams text through a guard as a generation would, stopping when it trips; returns what was shown. */
function stream(text: string, guard = new RepetitionGuard()): { shown: string; guard: RepetitionGuard } {
  let shown = '';
  for (const piece of tokens(text)) {
    shown += guard.push(piece);
    if (guard.tripped) return { shown, guard };
  }
  shown += guard.finish();
  return { shown, guard };
}

describe('RepetitionGuard', () => {
  it('passes an answer without repetition through unchanged, every character shown once', () => {
    const answer =
      'Full-time employees receive 27 days of paid annual leave [1]. After five years this rises to 30 days. ' +
      'The kiln must be installed by a certified electrician, and the chamber is vacuumed after every 10 firings.';
    const { shown, guard } = stream(answer);
    expect(guard.tripped).toBe(false);
    expect(shown).toBe(answer);
    expect(guard.text).toBe(answer);
  });

  it('stops a looping answer after the last sentence that was new, and never shows the repeat', () => {
    const once = 'The answer is distributed.md [1]. Question: How do I run Relay in distributed mode? Answer: distributed.md ';
    const { shown, guard } = stream(once.repeat(6));
    expect(guard.tripped).toBe(true);
    expect(shown).toBe(guard.text);
    // The third sentence is new ("Answer: … The answer is …"); the fourth repeats the second, so the answer ends here.
    expect(shown).toBe('The answer is distributed.md [1]. Question: How do I run Relay in distributed mode? Answer: distributed.md The answer is distributed.md [1].');
  });

  it('stops a loop that never ends a sentence after its first round', () => {
    const { shown, guard } = stream(`The steps are ${'open the lid and check the seal and '.repeat(12)}`);
    expect(guard.tripped).toBe(true);
    expect(shown).toBe(guard.text);
    expect(shown).toBe('The steps are open the lid and check the seal and');
    expect(shown.startsWith('The steps are open the lid')).toBe(true);
  });

  it('holds a sentence back only while it could be a repeat, and shows it once it says something new', () => {
    const guard = new RepetitionGuard();
    let shown = '';
    for (const piece of ['The kiln reaches 1,285 °C.', ' The kiln', ' reaches']) shown += guard.push(piece);
    // "The kiln reaches" is also how the first sentence began: held.
    expect(shown).toBe('The kiln reaches 1,285 °C.');
    shown += guard.push(' 1,000 °C in program P1.');
    expect(shown).toBe('The kiln reaches 1,285 °C. The kiln reaches 1,000 °C in program P1.');
    expect(guard.tripped).toBe(false);
  });

  it('treats a word cut in the middle as the start of a word when holding', () => {
    const guard = new RepetitionGuard();
    let shown = guard.push('Quillfeather pays full salary for 60 days. ');
    shown += guard.push('Quill');
    expect(shown).toBe('Quillfeather pays full salary for 60 days.');
    shown += guard.push('feather pays full salary for 60 days. More');
    expect(guard.tripped).toBe(true);
    expect(shown).toBe('Quillfeather pays full salary for 60 days.');
  });

  it('lets list items that share words but say different things through', () => {
    const list = '- Vacuum the chamber after every 10 firings.\n- Inspect the heating elements every 150 firings.\n- Replace the door seal every 2 years.\n';
    const { shown, guard } = stream(list);
    expect(guard.tripped).toBe(false);
    expect(shown).toBe(list);
  });

  it('ignores a repeated sentence that is too short to be a loop ("Yes.")', () => {
    const { shown, guard } = stream('Yes. The permit costs 84 euros. Yes. It is issued at Lantern Square 2.');
    expect(guard.tripped).toBe(false);
    expect(shown).toBe('Yes. The permit costs 84 euros. Yes. It is issued at Lantern Square 2.');
  });

  it('releases what it still holds when the model finishes on its own', () => {
    const guard = new RepetitionGuard();
    let shown = guard.push('The ferry takes 1 hour and 40 minutes. The ferry');
    expect(shown).toBe('The ferry takes 1 hour and 40 minutes.');
    shown += guard.finish();
    expect(shown).toBe('The ferry takes 1 hour and 40 minutes. The ferry');
    expect(guard.push('more')).toBe('');
  });
});
