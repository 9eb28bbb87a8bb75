import { RelayError } from '@relay/contracts';
import { LoginThrottle } from './login-throttle';

function setup() {
  let now = 1_000_000;
  const sut = new LoginThrottle({ maxFailures: 3, lockMs: 1000, attemptsPerMin: 600 }, () => now);
  return { sut, advance: (ms: number) => (now += ms) };
}

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err as RelayError;
  }
  return undefined;
};

describe('LoginThrottle', () => {
  it('locks a name from an address after the allowed failures, for longer each time', () => {
    const { sut, advance } = setup();
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => sut.check('alice', '10.0.0.1'))).toBeUndefined();
      sut.failed('alice', '10.0.0.1');
    }
    const first = refusal(() => sut.check('alice', '10.0.0.1'));
    expect(first?.code).toBe('RATE_LIMITED');
    expect(first?.details.retryAfterMs).toBe(1000);
    advance(1001);
    expect(refusal(() => sut.check('alice', '10.0.0.1'))).toBeUndefined();
    sut.failed('alice', '10.0.0.1');
    expect(refusal(() => sut.check('alice', '10.0.0.1'))?.details.retryAfterMs).toBe(2000);
  });

  it('does not lock the same name out from another address, and treats unknown names alike', () => {
    const { sut } = setup();
    for (let i = 0; i < 5; i++) sut.failed('alice', '10.0.0.1');
    for (let i = 0; i < 5; i++) sut.failed('nobody-by-this-name', '10.0.0.1');
    expect(refusal(() => sut.check('alice', '10.0.0.2'))).toBeUndefined();
    expect(refusal(() => sut.check('alice', '10.0.0.1'))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => sut.check('nobody-by-this-name', '10.0.0.1'))?.code).toBe('RATE_LIMITED');
  });

  it('forgets the failures once the right password is given', () => {
    const { sut } = setup();
    sut.failed('bob', 'a');
    sut.failed('bob', 'a');
    sut.succeeded('bob', 'a');
    sut.failed('bob', 'a');
    sut.failed('bob', 'a');
    expect(refusal(() => sut.check('bob', 'a'))).toBeUndefined();
  });

  it('limits attempts per address whatever names they try', () => {
    let now = 0;
    const sut = new LoginThrottle({ maxFailures: 100, lockMs: 1000, attemptsPerMin: 5 }, () => now);
    for (let i = 0; i < 5; i++) expect(refusal(() => sut.check(`user${i}`, 'x'))).toBeUndefined();
    expect(refusal(() => sut.check('user-next', 'x'))?.code).toBe('RATE_LIMITED');
    now += 60_000;
    expect(refusal(() => sut.check('user-next', 'x'))).toBeUndefined();
  });
});
