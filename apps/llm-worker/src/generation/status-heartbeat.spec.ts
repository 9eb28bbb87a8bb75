import { StatusHeartbeat, WorkerStatus } from './status-heartbeat';

describe('StatusHeartbeat', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('says each status at once, repeats the latest after every quiet interval, and goes silent once stopped', () => {
    const said: WorkerStatus[] = [];
    const sut = new StatusHeartbeat(3_000, (s) => said.push(s));
    sut.tell({ state: 'queued', position: 3 });
    expect(said).toEqual([{ state: 'queued', position: 3 }]);
    jest.advanceTimersByTime(2_999);
    expect(said).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(said).toEqual([{ state: 'queued', position: 3 }, { state: 'queued', position: 3 }]); // unchanged, said again

    jest.advanceTimersByTime(1_000);
    sut.tell({ state: 'queued', position: 2 }); // a change restarts the quiet interval
    jest.advanceTimersByTime(2_999);
    expect(said.at(-1)).toEqual({ state: 'queued', position: 2 });
    expect(said).toHaveLength(3);
    sut.tell({ state: 'generating' });
    jest.advanceTimersByTime(6_000);
    expect(said.slice(3)).toEqual([{ state: 'generating' }, { state: 'generating' }, { state: 'generating' }]);

    sut.stop();
    sut.tell({ state: 'generating' });
    jest.advanceTimersByTime(30_000);
    expect(said).toHaveLength(6);
  });
});
