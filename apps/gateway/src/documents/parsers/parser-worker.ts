import { Worker } from 'node:worker_threads';

export type WorkerReply<T> = ({ ok: true } & T) | { ok: false; name?: string; message: string };

/**
 * Runs a parser (plain JavaScript, so it runs the same under the app and under the test runner) in a worker thread:
 * a slow or hostile file costs that thread, never the event loop every socket of the gateway shares, and a worker
 * that takes longer than `timeoutMs` or runs out of its heap is stopped and reported as a reply, never thrown.
 */
export function runParserWorker<T>(source: string, workerData: unknown, options: { timeoutMs: number; maxHeapMb: number; transferList?: ArrayBuffer[] }): Promise<WorkerReply<T>> {
  const worker = new Worker(source, {
    eval: true,
    stdout: true,
    stderr: true,
    workerData,
    transferList: options.transferList,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
  });
  // Parsers may print warnings (pdf.js: no canvas package): not ours to show.
  worker.stdout.resume();
  worker.stderr.resume();
  let timer: NodeJS.Timeout | undefined;
  return new Promise<WorkerReply<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, name: 'Timeout', message: `reading it took longer than ${options.timeoutMs} ms` }), options.timeoutMs);
    worker.once('message', (reply: WorkerReply<T>) => resolve(reply));
    worker.once('error', (err) => resolve({ ok: false, name: err.name, message: err.message }));
    worker.once('exit', (code) => resolve({ ok: false, message: `the reader stopped (exit code ${code})` }));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}
