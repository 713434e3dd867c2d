/**
 * Runs due room jobs in the background, at most `concurrency` at a time, outside any request.
 * `wake()` is cheap and may be called often; a timer wakes the worker when the next retry is due.
 */
import type { RoomLink, RoomLinks } from './room-links';

export interface WorkerOptions {
  links: RoomLinks;
  run: (claimed: RoomLink) => Promise<void>;
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

  async function drain(): Promise<void> {
    // Due rows fetched ahead of free slots, so that the queue is not queried once per job.
    let candidates: RoomLink[] = [];
    while (!stopped) {
      const limit = options.concurrency();
      if (active.size >= limit) {
        await Promise.race(active);
        continue;
      }
      if (candidates.length === 0) {
        candidates = await links.findDue(limit * 2);
        if (candidates.length === 0) {
          if (active.size === 0) break;
          await Promise.race(active);
          continue;
        }
      }
      while (candidates.length > 0 && active.size < limit && !stopped) {
        const row = candidates.shift() as RoomLink;
        // Losing a claim means another worker took the row meanwhile: go on with the next.
        const claimed = await links.claim(row, leaseMs());
        if (claimed) start(claimed);
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
    /** Stops taking jobs and waits for the running ones to finish. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([draining, ...active]);
    },
    get running(): boolean {
      return !stopped;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
