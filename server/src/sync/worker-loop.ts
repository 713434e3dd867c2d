/**
 * The worker loop: claims due rows and runs them, at most `concurrency()` at a time, in the
 * background. `wake()` is cheap and may be called often (every mark calls it); a timer wakes the
 * loop when the next row falls due or a lease runs out, and every `POLL_MS` it looks anyway: rows
 * marked by another instance wake no loop here.
 */
import { AsyncResource } from 'node:async_hooks';

import { LOOP_ERROR_PAUSE_MS, LOST_CLAIMS_PAUSE_MS, POLL_MS } from './constants';

export interface WorkerLoopOptions<Job> {
  /** Claims up to `limit` due rows; `due` is how many were due (others may have won some). */
  claim: (limit: number) => Promise<{ due: number; claimed: Job[] }>;
  run: (job: Job) => Promise<void>;
  /** Milliseconds until the next row is due, if any. */
  nextDueInMs: () => Promise<number | null>;
  concurrency: () => number;
  onError: (error: unknown) => void;
}

export function createWorkerLoop<Job>(options: WorkerLoopOptions<Job>) {
  const active = new Set<Promise<void>>();
  let stopped = true;
  let draining: Promise<void> | null = null;
  let woken = false;
  /** Resolved by `wake()` while the loop waits for a running job to end. */
  let nudge: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function start(job: Job) {
    const promise: Promise<void> = options
      .run(job)
      .catch(options.onError)
      .finally(() => active.delete(promise));
    active.add(promise);
  }

  /** Waits for a running job to end, or for a wake. */
  async function waitForRoom(): Promise<void> {
    await Promise.race([...active, new Promise<void>((resolve) => (nudge = resolve))]);
    nudge = null;
  }

  async function drain(): Promise<void> {
    while (!stopped) {
      woken = false;
      const free = options.concurrency() - active.size;
      // While runs go on, rows are claimed a quarter of the slots at a time: one statement for
      // many rows, not one per run that ends.
      if (free <= 0 || (active.size > 0 && free < Math.ceil(options.concurrency() / 4))) {
        await waitForRoom();
        continue;
      }
      const { due, claimed } = await options.claim(free);
      for (const job of claimed) start(job);
      if (claimed.length > 0) continue;
      // Every due row went to other workers: give them a moment before looking again.
      if (due > 0) await pause(LOST_CLAIMS_PAUSE_MS);
      else if (active.size > 0) await waitForRoom();
      else if (!woken) return;
    }
  }

  async function scheduleNext(): Promise<void> {
    const ms = await options.nextDueInMs();
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(wake, Math.min(ms ?? POLL_MS, POLL_MS));
    timer.unref();
  }

  /** Bound to the loop's own context: its work never runs inside a caller's transaction. */
  const wake = AsyncResource.bind(function wake(): void {
    if (stopped) return;
    woken = true;
    nudge?.();
    if (draining) return;
    draining = (async () => {
      try {
        do {
          await drain();
          await scheduleNext();
        } while (woken && !stopped);
      } catch (error) {
        options.onError(error);
        clearTimeout(timer);
        if (!stopped) timer = setTimeout(wake, LOOP_ERROR_PAUSE_MS);
        timer?.unref();
      } finally {
        draining = null;
      }
    })();
  });

  return {
    start(): void {
      stopped = false;
      wake();
    },
    wake,
    /** Resolves when no run is going on and the loop has found nothing due. */
    async idle(): Promise<void> {
      while (draining || active.size > 0) await (draining ?? Promise.race(active));
    },
    /** Stops taking rows and waits for the running ones (their leases keep the rest safe). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      nudge?.();
      // A claim in flight may still start runs: wait for it, then for every run.
      await Promise.allSettled([draining]);
      while (active.size > 0) await Promise.allSettled([...active]);
    },
  };
}
