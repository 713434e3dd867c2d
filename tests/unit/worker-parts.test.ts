import { createRequestGate } from '../../server/src/sync/rate-limiter';
import { sweepRule } from '../../server/src/bootstrap';
import { retryDelayMs } from '../../server/src/sync/backoff';

describe('the request gate', () => {
  it('never lets more than `concurrency` calls run at once', async () => {
    const gate = createRequestGate(
      () => 3,
      () => undefined
    );
    let running = 0;
    let highest = 0;
    const call = async () => {
      running += 1;
      highest = Math.max(highest, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 10 }, () => gate.run(call)));
    expect(highest).toBe(3);
    expect(gate.inFlight).toBe(0);
  });

  it('releases its slot when a call fails', async () => {
    const gate = createRequestGate(
      () => 1,
      () => undefined
    );
    await expect(gate.run(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(gate.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('spaces calls to stay under maxRequestsPerSecond', async () => {
    const gate = createRequestGate(
      () => 10,
      () => 20
    );
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, () =>
        gate.run(() => {
          starts.push(Date.now());
          return Promise.resolve();
        })
      )
    );
    // Five calls at 20 per second: the last starts at least 4 × 50 ms after the first.
    expect(starts[4] - starts[0]).toBeGreaterThanOrEqual(190);
  });
});

describe('sweepRule', () => {
  it('runs every N seconds below a minute, every N minutes above', () => {
    expect(sweepRule(5)).toBe('*/5 * * * * *');
    expect(sweepRule(60)).toBe('0 */1 * * * *');
    expect(sweepRule(600)).toBe('0 */10 * * * *');
  });
});

describe('retryDelayMs with configured bounds', () => {
  it('uses the configured base and ceiling', () => {
    expect(retryDelayMs(1, undefined, () => 1, { baseMs: 50, maxMs: 800 })).toBe(50);
    expect(retryDelayMs(6, undefined, () => 1, { baseMs: 50, maxMs: 800 })).toBe(800);
    // A Retry-After beyond the ceiling still wins.
    expect(retryDelayMs(1, 5, () => 0, { baseMs: 50, maxMs: 800 })).toBe(5_000);
  });
});
