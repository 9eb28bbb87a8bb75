import { ServiceTimeMeter } from './service-time-meter';

describe('ServiceTimeMeter', () => {
  it('knows nothing before the first answer, then follows recent answers more than old ones', () => {
    const meter = new ServiceTimeMeter(0.5);
    expect(meter.serviceMs).toBeNull();
    meter.record(1000);
    expect(meter.serviceMs).toBe(1000);
    meter.record(3000);
    expect(meter.serviceMs).toBe(2000);
    meter.record(3000);
    expect(meter.serviceMs).toBe(2500);
  });

  it('ignores answers that took no time (never reached the model)', () => {
    const meter = new ServiceTimeMeter();
    meter.record(0);
    meter.record(Number.NaN);
    expect(meter.serviceMs).toBeNull();
  });
});
