import { RelayProcess } from './relay-process';

// After each end-to-end test file: stop any Relay process it started and lost track of (see RelayProcess.stopAll).
afterAll(() => RelayProcess.stopAll(), 60_000);
