import { PrometheusServer } from './prometheus-server';
import { RelayProcess } from './relay-process';

// After each end-to-end test file: stop any Relay process or Prometheus it started and lost track of (see
// RelayProcess.stopAll).
afterAll(async () => {
  PrometheusServer.stopAll();
  await RelayProcess.stopAll();
}, 60_000);
