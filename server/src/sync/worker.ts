/**
 * Runs due room jobs in the background, at most `concurrency` at a time, outside any request.
 * `wake()` is cheap and may be called often; a timer wakes the worker when the next retry is due.
 */
import type { RoomLink, RoomLinks } from './room-links';

export interface WorkerOptions {
  links: RoomLinks;
  run: (claimed: RoomLink) => Promise<void>;
  /** Called with each batch of claimed jobs before they run (to load what they need at once). */
  prepare?: (batch: RoomLink[]) => Promise<void>;
  concurrency: () => number;
  leaseMs: () => number;
  onError: (error: unknown) => void;
}

/** Longest sleep between two looks at the queue when nothing asked for one. */
const MAX_SLEEP_MS = 60_000;

export function createWorker(options: WorkerOptions) {
  const { links, run, leaseMs, onError } = options;
  const active = new Set<Promise<void>>();
  let stopped = true;
  let draining: Promise<void> | null = null;
  let wakeRequested = false;
  let timer: NodeJS.Timeout | undefined;

  function start(job: RoomLink) {
    const promise: Promise<void> = run(job)
      .catch(onError)
      .finally(() => active.delete(promise));
    active.add(promise);
  }

  /**
   * Jobs claimed ahead of free slots, in batches (one transaction each), so that a slot that
   * frees up starts its next job without a round trip to the database.
   */
  let ready: RoomLink[] = [];

  async function drain(): Promise<void> {
    while (!stopped) {
      const limit = options.concurrency();
      if (active.size >= limit) {
        await Promise.race(active);
        continue;
      }
      if (ready.length === 0) {
        const due = await links.findDue(limit * 2);
        // Losing claims means other workers took those rows: the next look finds others.
        const claimed = due.length > 0 ? await links.claimMany(due, leaseMs()) : [];
        if (claimed.length > 0 && options.prepare) await options.prepare(claimed).catch(onError);
        ready = claimed;
        if (claimed.length > 0) continue;
        // Every due row went to other workers: give them a moment before looking again.
        if (due.length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        if (active.size === 0) break;
        await Promise.race(active);
        continue;
      }
      while (ready.length > 0 && active.size < limit && !stopped) {
        start(ready.shift() as RoomLink);
      }
    }
  }

  async function scheduleNext(): Promise<void> {
    if (stopped) return;
    const next = await links.nextDueAt();
    const delay = next ? Math.max(0, next.getTime() - Date.now()) : MAX_SLEEP_MS;
    clearTimeout(timer);
    timer = setTimeout(wake, Math.min(delay, MAX_SLEEP_MS));
    timer.unref();
  }

  function wake(): void {
    if (stopped) return;
    if (draining) {
      wakeRequested = true;
      return;
    }
    draining = (async () => {
      try {
        do {
          wakeRequested = false;
          await drain();
        } while (wakeRequested && !stopped);
        await scheduleNext();
      } catch (error) {
        onError(error);
        if (!stopped) {
          clearTimeout(timer);
          timer = setTimeout(wake, 5_000);
          timer.unref();
        }
      } finally {
        draining = null;
      }
    })();
  }

  return {
    start(): void {
      stopped = false;
      wake();
    },
    wake,
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
      await Promise.allSettled([...unstarted.map((row) => links.release(row)), ...active]);
    },
    get running(): boolean {
      return !stopped;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
