import { createRequestGate } from '../../server/src/iflychat/request-gate';
import { createSteadyTimer } from '../../server/src/utils/steady-timer';
import { retryDelayMs } from '../../server/src/utils/backoff';

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

describe('the audit timer', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps a steady interval that does not divide a minute (45 s: not 45 then 15)', async () => {
    jest.useFakeTimers({ now: 0 });
    const runs: number[] = [];
    const timer = createSteadyTimer(
      () => 45_000,
      () => {
        runs.push(Date.now());
        return Promise.resolve();
      }
    );
    timer.start();
    for (let step = 0; step < 4; step += 1) await jest.advanceTimersByTimeAsync(45_000);
    await timer.stop();
    expect(runs).toEqual([0, 45_000, 90_000, 135_000, 180_000]);
  });

  it('a run that takes long delays the next one; runs never overlap', async () => {
    jest.useFakeTimers({ now: 0 });
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    const timer = createSteadyTimer(
      () => 1_000,
      async () => {
        starts.push(Date.now());
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        running -= 1;
      }
    );
    timer.start();
    await jest.advanceTimersByTimeAsync(6_000);
    const stopped = timer.stop();
    await jest.advanceTimersByTimeAsync(3_000);
    await stopped;
    expect(most).toBe(1);
    // Each run starts as soon as the one before it ended (to the millisecond).
    expect(starts.map((at) => Math.round(at / 100) * 100)).toEqual([0, 2_500, 5_000]);
  });
});

describe('retryDelayMs with configured bounds', () => {
  it('uses the configured base and ceiling', () => {
    expect(retryDelayMs(1, undefined, () => 1, { baseMs: 50, maxMs: 800 })).toBe(50);
    expect(retryDelayMs(6, undefined, () => 1, { baseMs: 50, maxMs: 800 })).toBe(800);
    // A Retry-After beyond the ceiling is capped by it.
    expect(retryDelayMs(1, 5, () => 0, { baseMs: 50, maxMs: 800 })).toBe(800);
    expect(retryDelayMs(1, 0.5, () => 0, { baseMs: 50, maxMs: 800 })).toBe(500);
  });
});
