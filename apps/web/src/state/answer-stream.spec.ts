import { AnswerStream } from './answer-stream';

describe('AnswerStream', () => {
  it('joins chunks in seq order and reports the next seq to resume from', () => {
    const stream = new AnswerStream();
    expect(stream.add(0, 'Hel')).toBe(true);
    expect(stream.add(1, 'lo')).toBe(true);
    expect(stream.text).toBe('Hello');
    expect(stream.nextSeq).toBe(2);
  });

  it('keeps one chunk per seq when a replay overlaps live delivery', () => {
    const stream = new AnswerStream();
    stream.add(0, 'a');
    stream.add(1, 'b');
    expect(stream.add(1, 'b')).toBe(false);
    stream.add(2, 'c');
    expect(stream.add(0, 'a')).toBe(false);
    expect(stream.text).toBe('abc');
  });

  it('holds a chunk that arrives after a gap until the gap is filled', () => {
    const stream = new AnswerStream();
    stream.add(0, 'a');
    expect(stream.add(2, 'c')).toBe(false);
    expect(stream.text).toBe('a');
    expect(stream.nextSeq).toBe(1);
    expect(stream.add(1, 'b')).toBe(true);
    expect(stream.text).toBe('abc');
    expect(stream.nextSeq).toBe(3);
  });

  it('starts again from nothing after a restart', () => {
    const stream = new AnswerStream();
    stream.add(0, 'first attempt');
    stream.reset();
    expect(stream.text).toBe('');
    stream.add(0, 'second');
    expect(stream.text).toBe('second');
  });

  it('ignores a seq that is not a non-negative integer', () => {
    const stream = new AnswerStream();
    expect(stream.add(-1, 'x')).toBe(false);
    expect(stream.add(0.5, 'x')).toBe(false);
    expect(stream.text).toBe('');
  });
});
