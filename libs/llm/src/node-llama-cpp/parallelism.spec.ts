import { defaultParallelism, MAX_PARALLEL } from './parallelism';

const MB = 1024 * 1024;

describe('defaultParallelism', () => {
  it('gives 8 sequences per core when memory is plentiful', () => {
    expect(defaultParallelism({ cores: 2, freeMemoryBytes: 16_000 * MB, bytesPerSequence: 24 * MB })).toBe(16);
    expect(defaultParallelism({ cores: 1, freeMemoryBytes: 16_000 * MB, bytesPerSequence: 24 * MB })).toBe(8);
  });

  it('stops at MAX_PARALLEL on big machines', () => {
    expect(defaultParallelism({ cores: 64, freeMemoryBytes: 512_000 * MB, bytesPerSequence: 24 * MB })).toBe(MAX_PARALLEL);
  });

  it('keeps the sequences’ caches within a quarter of the free memory, and never goes below one', () => {
    expect(defaultParallelism({ cores: 8, freeMemoryBytes: 1_000 * MB, bytesPerSequence: 50 * MB })).toBe(5);
    expect(defaultParallelism({ cores: 8, freeMemoryBytes: 10 * MB, bytesPerSequence: 50 * MB })).toBe(1);
  });
});
