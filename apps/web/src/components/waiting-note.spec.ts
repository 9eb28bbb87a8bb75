import { ordinal, waitingNote } from './waiting-note';

describe('waitingNote', () => {
  it('says the place in line while queued, then that the model is reading', () => {
    expect(waitingNote({ state: 'queued', position: 2 })).toBe('Waiting for the model: 2nd in line…');
    expect(waitingNote({ state: 'generating' })).toBe('The model is reading your question…');
    expect(waitingNote(undefined)).toBe('Searching your documents…');
  });

  it('says how many sources arrived while no place in line is known, and mentions them once the model reads', () => {
    expect(waitingNote(undefined, 3)).toBe('Reading 3 sources…');
    expect(waitingNote(undefined, 1)).toBe('Reading 1 source…');
    expect(waitingNote({ state: 'queued', position: 1 }, 3)).toBe('Waiting for the model: 1st in line…');
    expect(waitingNote({ state: 'generating' }, 2)).toBe('The model is reading 2 sources and your question…');
    expect(waitingNote({ state: 'generating' }, 1)).toBe('The model is reading the source and your question…');
  });

  it('says which stage has the message before the model does', () => {
    expect(waitingNote({ state: 'searching' })).toBe('Searching your documents…');
    expect(waitingNote({ state: 'building' })).toBe('Preparing the question for the model…');
    expect(waitingNote({ state: 'building' }, 2)).toBe('Reading 2 sources…');
    expect(waitingNote({ state: 'queued', position: 3 })).toBe('Waiting for the model: 3rd in line…');
  });

  it('says a worker restarted, and keeps saying so in front of where the answer is now', () => {
    expect(waitingNote({ state: 'restarted' })).toBe('A worker restarted; continuing…');
    expect(waitingNote({ state: 'queued', position: 1, restarted: true })).toBe('A worker restarted; continuing. Waiting for the model: 1st in line…');
    expect(waitingNote({ state: 'generating', restarted: true })).toBe('A worker restarted; continuing. The model is reading your question…');
  });

  it('writes English ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
  });
});
