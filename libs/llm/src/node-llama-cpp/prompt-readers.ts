/**
 * Which prompts are being read now, first come first served. A decode step takes only so many prompt tokens (all of
 * a step when nothing streams, LLM_PROMPT_CHUNK_TOKENS beside streaming answers): prompts that all put their pieces
 * in at once share those tokens in turns and all finish late. Letting in only as many readers as the steps have room
 * for finishes the first prompts first, and the later ones no later than before.
 */
export class PromptReaders {
  private reading = 0;
  private readonly waiting: Array<() => void> = [];

  /** `capacity` is read at each change: it shrinks while answers stream. */
  constructor(private readonly capacity: () => number) {}

  get readingCount(): number {
    return this.reading;
  }

  /**
   * Resolves when this prompt may be read, with the function to call once it is read; at once, with nothing to call,
   * if `signal` aborts while it waits.
   */
  enter(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.resolve(() => undefined);
    if (this.waiting.length === 0 && this.reading < this.room()) {
      this.reading++;
      return Promise.resolve(this.leaver());
    }
    return new Promise((resolve) => {
      const admit = () => {
        signal?.removeEventListener('abort', abandon);
        resolve(this.leaver());
      };
      const abandon = () => {
        const at = this.waiting.indexOf(admit);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(() => undefined);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiting.push(admit);
    });
  }

  /** Lets waiting prompts in if there is room now (the capacity grows when answers stop streaming). */
  admit(): void {
    while (this.waiting.length > 0 && this.reading < this.room()) {
      this.reading++;
      this.waiting.shift()!();
    }
  }

  private room(): number {
    return Math.max(1, this.capacity());
  }

  private leaver(): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.reading--;
      this.admit();
    };
  }
}
