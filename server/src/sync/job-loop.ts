/**
 * The job loop: runs due room jobs in the background, at most `concurrency` at a time, outside
 * any request. `wake()` is cheap and may be called often; a timer wakes the loop when the next
 * retry is due. What a job does, and every write to its row, is the runner's (`runner.ts`).
 */
import { AsyncResource } from 'node:async_hooks';

import {
  CLAIM_AHEAD_FACTOR,
  LOOP_ERROR_PAUSE_MS,
  LOST_CLAIMS_PAUSE_MS,
  MAX_SLEEP_MS,
} from './constants';
import type { ClaimedJob } from './job-state';

export interface JobLoopOptions {
  /** Claims up to `limit` due jobs; `due` is how many were due (some may go to others). */
  claim: (limit: number) => Promise<{ due: number; claimed: ClaimedJob[] }>;
  run: (job: ClaimedJob) => Promise<void>;
  /** Hands back a claimed job that was never started. */
  giveBack: (job: ClaimedJob) => Promise<void>;
  /** When the next queued job is due, if any. */
  nextDueAt: () => Promise<Date | null>;
  concurrency: () => number;
  /** The clock due times are written with (the database's). */
  now: () => number;
  onError: (error: unknown) => void;
}

function signal() {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export function createJobLoop(options: JobLoopOptions) {
  const { run, onError } = options;
  const active = new Set<Promise<void>>();
  let stopped = true;
  let draining: Promise<void> | null = null;
  let wakeRequested = false;
  let timer: NodeJS.Timeout | undefined;

  function start(job: ClaimedJob) {
    const promise: Promise<void> = run(job)
      .catch(onError)
      .finally(() => active.delete(promise));
    active.add(promise);
  }

  /**
   * Jobs claimed ahead of free slots, in batches (one transaction each), so that a slot that
   * frees up starts its next job without a round trip to the database.
   */
  let ready: ClaimedJob[] = [];
  /** While the loop waits for a running job to end: resolved when jobs are handed over. */
  let handOver: ReturnType<typeof signal> | null = null;
  /** Claimed jobs being given back (the loop was stopped): `stop()` waits for them. */
  const givingBack = new Set<Promise<void>>();

  async function drain(): Promise<void> {
    while (!stopped) {
      const limit = options.concurrency();
      if (active.size >= limit) {
        await Promise.race(active);
        continue;
      }
      if (ready.length === 0) {
        // Losing claims means other workers took those rows: the next look finds others.
        const { due, claimed } = await options.claim(limit * CLAIM_AHEAD_FACTOR);
        // Jobs handed over while the claim ran (see `accept`) stay; the claimed ones join them.
        ready.push(...claimed);
        if (ready.length > 0) continue;
        // Every due row went to other workers: give them a moment before looking again.
        if (due > 0) {
          await new Promise((resolve) => setTimeout(resolve, LOST_CLAIMS_PAUSE_MS));
          continue;
        }
        if (active.size === 0) break;
        handOver = signal();
        await Promise.race([...active, handOver.promise]);
        handOver = null;
        continue;
      }
      while (ready.length > 0 && active.size < limit && !stopped) {
        start(ready.shift() as ClaimedJob);
      }
    }
  }

  async function scheduleNext(): Promise<void> {
    if (stopped) return;
    const next = await options.nextDueAt();
    const delay = next ? Math.max(0, next.getTime() - options.now()) : MAX_SLEEP_MS;
    clearTimeout(timer);
    timer = setTimeout(wake, Math.min(delay, MAX_SLEEP_MS));
    timer.unref();
  }

  /**
   * Bound to the context the loop was made in: the loop's work never runs inside the context of
   * whoever woke it (a request, or a transaction whose after-commit callbacks are running).
   */
  const wake = AsyncResource.bind(function wake(): void {
    if (stopped) return;
    if (draining) {
      wakeRequested = true;
      return;
    }
    draining = (async () => {
      try {
        // A wake while the next due time is read is not lost: the loop looks again.
        do {
          wakeRequested = false;
          await drain();
          await scheduleNext();
        } while ((wakeRequested || ready.length > 0) && !stopped);
      } catch (error) {
        onError(error);
        if (!stopped) {
          clearTimeout(timer);
          timer = setTimeout(wake, LOOP_ERROR_PAUSE_MS);
          timer.unref();
        }
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
    /** How many more claimed jobs the loop would take now. */
    wants(): number {
      if (stopped) return 0;
      return Math.max(0, options.concurrency() * CLAIM_AHEAD_FACTOR - ready.length - active.size);
    },
    /** Jobs claimed for this loop elsewhere (see `runner.claimAhead`): run as slots free up. */
    accept(jobs: ClaimedJob[]): void {
      if (stopped) {
        for (const job of jobs) {
          const back: Promise<void> = options
            .giveBack(job)
            .catch(onError)
            .finally(() => givingBack.delete(back));
          givingBack.add(back);
        }
        return;
      }
      ready.push(...jobs);
      handOver?.resolve();
      wake();
    },
    /** Resolves when the queue is drained and no job is running (for tests and shutdown). */
    async idle(): Promise<void> {
      while (draining || active.size > 0) {
        await (draining ?? Promise.race(active));
      }
    },
    /** Stops taking jobs, hands back the claimed ones not started, waits for the running ones. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([draining]);
      const unstarted = ready;
      ready = [];
      await Promise.allSettled([
        ...unstarted.map((job) => options.giveBack(job)),
        ...active,
        ...givingBack,
      ]);
    },
    get running(): boolean {
      return !stopped;
    },
  };
}

export type JobLoop = ReturnType<typeof createJobLoop>;
