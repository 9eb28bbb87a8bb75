import { RelayProcess } from '../support/relay-process';

// The embedded app as `npm start` runs it, with the real models, stopped the way Compose or a terminal stops it.
describe('Relay embedded app, stopping', () => {
  it('exits 0 on SIGTERM while the embedding model is busy indexing the knowledge base', async () => {
    // A fresh data folder: the shipped knowledge base is indexed at start-up, tens of seconds of model runs, so the
    // model is mid-run when the signal comes. Ending its worker thread then aborted the whole process (exit 134).
    const relay = await RelayProcess.start({}, undefined, undefined, 'live');
    try {
      const before = (await (await fetch(`${relay.baseUrl}/health/ready`)).json()) as { details: { 'knowledge-base': { state: string } } };
      expect(before.details['knowledge-base'].state).toBe('indexing');
      await new Promise((r) => setTimeout(r, 1500));
      const stopping = Date.now();
      await relay.stop();
      expect({ exit: relay.exit, output: relay.exit === 0 ? '' : relay.output.slice(-2000) }).toEqual({ exit: 0, output: '' });
      expect(Date.now() - stopping).toBeLessThan(25_000);
    } finally {
      await relay.stop();
    }
  }, 180_000);
});
