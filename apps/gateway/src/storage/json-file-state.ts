import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * One JSON document on disk that a file adapter keeps in memory: read once, rewritten whole after each change
 * (a temporary file, then rename, so a crash never leaves it torn), changes applied one after another. One
 * gateway process per file: several replicas share the Postgres adapters instead.
 */
export class JsonFileState<T> {
  private state?: T;
  private loading?: Promise<T>;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly empty: () => T,
  ) {}

  /** The current state (read-only by convention: change it through `update`). */
  async read(): Promise<T> {
    return this.state ?? (await this.load());
  }

  /** Applies `change` to the state and writes it; resolves to what `change` returned once it is on disk. */
  update<R>(change: (state: T) => R): Promise<R> {
    const run = this.tail.catch(() => undefined).then(async () => {
      const state = await this.read();
      const result = change(state);
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, JSON.stringify(state));
      await rename(`${this.path}.tmp`, this.path);
      return result;
    });
    this.tail = run;
    return run;
  }

  private load(): Promise<T> {
    this.loading ??= (async () => {
      const state = existsSync(this.path) ? ({ ...this.empty(), ...(JSON.parse(await readFile(this.path, 'utf8')) as T) } as T) : this.empty();
      this.state = state;
      return state;
    })();
    return this.loading;
  }
}
