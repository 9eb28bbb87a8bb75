/**
 * One answer as the client assembles it from chat:chunk events. Chunks can arrive twice (a chat:resume replay
 * overlapping live delivery) or out of order around a reconnect: each seq is kept once, and the text shown is the
 * run of chunks from seq 0 up to the first gap, so the page never shows a hole or a repeat.
 */
export class AnswerStream {
  private readonly chunks: string[] = [];
  private contiguous = 0;
  private joined = '';

  /** The first seq not yet received: what chat:resume asks for after a reconnect. */
  get nextSeq(): number {
    return this.contiguous;
  }

  get text(): string {
    return this.joined;
  }

  /** Keeps the chunk unless its seq is already known; true when the visible text grew. */
  add(seq: number, delta: string): boolean {
    if (!Number.isInteger(seq) || seq < 0 || this.chunks[seq] !== undefined) return false;
    this.chunks[seq] = delta;
    if (seq !== this.contiguous) return false;
    while (this.chunks[this.contiguous] !== undefined) {
      this.joined += this.chunks[this.contiguous];
      this.contiguous += 1;
    }
    return true;
  }

  /** chat:restart: the answer is generated again from seq 0. */
  reset(): void {
    this.chunks.length = 0;
    this.contiguous = 0;
    this.joined = '';
  }
}
