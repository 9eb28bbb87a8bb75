import { GenerationRegistry } from './generation-registry';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('GenerationRegistry', () => {
  it('aborts the signal of an active generation when it is cancelled', () => {
    const registry = new GenerationRegistry();
    const signal = registry.start('m1');
    expect(signal.aborted).toBe(false);

    expect(registry.cancel('m1')).toBe('stopped');
    expect(signal.aborted).toBe(true);
  });

  it('only aborts the generation that was cancelled', () => {
    const registry = new GenerationRegistry();
    const one = registry.start('m1');
    const two = registry.start('m2');
    registry.cancel('m1');
    expect(one.aborted).toBe(true);
    expect(two.aborted).toBe(false);
  });

  it('remembers a cancel that arrives before its prompt, so start returns an already-aborted signal', () => {
    const registry = new GenerationRegistry();
    expect(registry.cancel('m1')).toBe('remembered');
    expect(registry.start('m1').aborted).toBe(true);
  });

  it('uses a remembered cancel only once', () => {
    const registry = new GenerationRegistry();
    registry.cancel('m1');
    registry.start('m1');
    registry.finish('m1');
    expect(registry.start('m1').aborted).toBe(false);
  });

  it('forgets early cancels older than rememberMs', () => {
    const time = clock();
    const registry = new GenerationRegistry(1_000, time.now);
    registry.cancel('old');
    time.advance(500);
    registry.cancel('recent');
    time.advance(501);
    // Any later cancel sweeps the remembered ones past their time.
    registry.cancel('trigger');

    expect(registry.start('old').aborted).toBe(false);
    expect(registry.start('recent').aborted).toBe(true);
    expect(registry.start('trigger').aborted).toBe(true);
  });

  it('keeps an early cancel exactly rememberMs old', () => {
    const time = clock();
    const registry = new GenerationRegistry(1_000, time.now);
    registry.cancel('m1');
    time.advance(1_000);
    registry.cancel('trigger');
    expect(registry.start('m1').aborted).toBe(true);
  });

  it('tracks active generations until they finish', () => {
    const registry = new GenerationRegistry();
    registry.start('m1');
    registry.start('m2');
    expect(registry.activeCount).toBe(2);
    registry.finish('m1');
    expect(registry.activeCount).toBe(1);
  });

  it('remembers a cancel for a finished generation instead of aborting anything', () => {
    const registry = new GenerationRegistry();
    const signal = registry.start('m1');
    registry.finish('m1');
    expect(registry.cancel('m1')).toBe('remembered');
    expect(signal.aborted).toBe(false);
  });
});

describe('GenerationRegistry answered messages', () => {
  it('remembers which messages were answered so a redelivered prompt is skipped', () => {
    const registry = new GenerationRegistry();
    expect(registry.wasAnswered('m1')).toBe(false);
    registry.markAnswered('m1');
    expect(registry.wasAnswered('m1')).toBe(true);
    expect(registry.wasAnswered('m2')).toBe(false);
  });
});
