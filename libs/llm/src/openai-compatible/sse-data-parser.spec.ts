import { SseDataParser } from './sse-data-parser';

describe('SseDataParser', () => {
  it('returns each event\'s data once its blank line arrives, however the text is cut', () => {
    const wire = 'data: {"a":1}\n\ndata: {"b":2}\r\n\r\ndata: [DONE]\n\n';
    for (let size = 1; size <= wire.length; size++) {
      const sut = new SseDataParser();
      const events: string[] = [];
      for (let i = 0; i < wire.length; i += size) events.push(...sut.push(wire.slice(i, i + size)));
      events.push(...sut.end());
      expect(events).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    }
  });

  it('joins the data lines of one event with newlines and ignores comments and other fields', () => {
    const sut = new SseDataParser();

    const events = sut.push(': ping\nevent: message\nid: 7\nretry: 1000\ndata: first\ndata:second\n\n');

    expect(events).toEqual(['first\nsecond']);
  });

  it('treats a lone CR as a line end, but waits to see whether a trailing CR is the start of a CRLF', () => {
    const sut = new SseDataParser();

    expect(sut.push('data: x\r')).toEqual([]);
    expect(sut.push('\n\r')).toEqual([]);
    expect(sut.push('data: y\r\r')).toEqual(['x']);
    expect(sut.push('\n')).toEqual(['y']);
  });

  it('counts a last event the server did not close with a blank line', () => {
    const sut = new SseDataParser();

    expect(sut.push('data: {"c":3}')).toEqual([]);
    expect(sut.end()).toEqual(['{"c":3}']);
  });
});
