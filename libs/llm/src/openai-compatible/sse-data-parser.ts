/**
 * The `data:` payloads of a Server-Sent Events stream, fed in whatever pieces the network delivers: a piece may end
 * in the middle of a line, of a UTF-8 character (decode with TextDecoder's stream option before pushing) or between
 * the two halves of a CRLF. Lines of one event are joined by "\n", as the SSE spec says; comments (": ping"),
 * `event:`, `id:` and `retry:` lines are ignored, since OpenAI-style streams carry everything in `data:`.
 */
export class SseDataParser {
  private buffer = '';
  private data: string[] = [];

  /** Payloads of the events this piece completed, in order. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      const cr = this.buffer.indexOf('\r', start);
      // A lone CR ends a line too, but a CR at the very end may be the first half of a CRLF still on its way.
      let end: number;
      if (cr !== -1 && (nl === -1 || cr < nl)) {
        if (cr === this.buffer.length - 1) break;
        end = cr;
      } else if (nl !== -1) {
        end = nl;
      } else {
        break;
      }
      this.line(this.buffer.slice(start, end), events);
      start = this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** At end of stream: an event the server did not close with a blank line still counts. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.line('', events);
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.data.push(value);
  }
}
