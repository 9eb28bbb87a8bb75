// Runs in a worker thread started by TransformersJsEmbedder: onnxruntime-node runs a model synchronously on the
// thread that calls it, so on the main thread every batch froze the event loop (sockets, streaming answers and every
// other stage) for as long as the model ran.
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbeddingWorkerReply, EmbeddingWorkerRequest, EmbeddingWorkerSettings } from './embedding-worker-protocol';

async function main(): Promise<void> {
  const port = parentPort!;
  const settings = workerData as EmbeddingWorkerSettings;
  const reply = (message: EmbeddingWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  try {
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = settings.modelDir;
    const extractor = await pipeline('feature-extraction', settings.model, {
      dtype: 'q8',
      device: 'cpu',
      session_options: { intraOpNumThreads: settings.threads, interOpNumThreads: 1 },
    });
    const embed = async (texts: string[]) => {
      const output = await extractor(texts, { pooling: 'mean', normalize: true });
      const [rows, dims] = output.dims as [number, number];
      return { rows, dims, data: output.data as Float32Array };
    };
    const probe = await embed(['dimension probe']);
    let inHand = 0;
    let closing = false;
    // Only ever between two model runs: the thread must not end while onnxruntime is inside one.
    const exitIfDone = () => closing && inHand === 0 && process.exit(0);
    port.on('message', (request: EmbeddingWorkerRequest) => {
      if (request.type === 'close') {
        closing = true;
        return exitIfDone();
      }
      inHand++;
      embed(request.texts)
        .then(
          ({ rows, dims, data }) => reply({ type: 'vectors', id: request.id, rows, dims, data }, [data.buffer as ArrayBuffer]),
          (err: Error) => reply({ type: 'error', id: request.id, message: err.message }),
        )
        .finally(() => {
          inHand--;
          exitIfDone();
        });
    });
    reply({ type: 'ready', dimension: probe.dims });
  } catch (err) {
    reply({ type: 'failed', message: (err as Error).message });
  }
}

void main();
