/**
 * The sweep: finds publishes whose job was never recorded (the process died between the commit
 * and the after-commit hook) by looking at entries published since the last sweep, with a
 * safety margin for late commits, and drops the rows of types no longer bound. Entries
 * published before a content type was bound are left alone: they are the backfill's business.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { isLocalized } from '../config/bindings';
import { PLUGIN_ID } from '../utils/get-service';
import { publishedTargets } from './backfill';
import { LATE_COMMIT_MARGIN_MS } from './constants';
import type { RoomLinks } from './room-links';

const STATE_KEY = 'sync-state';

interface ScanState {
  /** When the plugin first saw this binding. */
  boundSince: string;
  /** Publishes before this (minus the margin) were already looked at. */
  scannedUntil: string;
}

export function createSweep(strapi: Core.Strapi, links: RoomLinks) {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const isLocalizedType = (uid: string) =>
    isLocalized(strapi.contentTypes[uid as keyof typeof strapi.contentTypes]);

  return {
    /** Queues missed publishes of the bound content types; returns how many were queued. */
    async run(bindings: Record<string, Binding>): Promise<number> {
      const boundUids = Object.keys(bindings);
      const startedAt = new Date();
      const saved = ((await store().get({ key: STATE_KEY })) ?? {}) as Record<string, ScanState>;
      const state: Record<string, ScanState> = {};
      let queued = 0;
      for (const uid of boundUids) {
        const previous = Object.hasOwn(saved, uid) ? saved[uid] : undefined;
        if (!previous) {
          // Newly bound: only what is published from now on is the sweep's business.
          state[uid] = {
            boundSince: startedAt.toISOString(),
            scannedUntil: startedAt.toISOString(),
          };
          continue;
        }
        const since = new Date(
          Math.max(
            Date.parse(previous.boundSince),
            Date.parse(previous.scannedUntil) - LATE_COMMIT_MARGIN_MS
          )
        );
        const query = strapi.db.query(uid);
        for await (const batch of publishedTargets(
          query,
          bindings[uid],
          isLocalizedType(uid),
          since
        )) {
          queued += (await links.queue(uid, batch, { retryFailed: false })).inserted;
        }
        state[uid] = { boundSince: previous.boundSince, scannedUntil: startedAt.toISOString() };
      }
      // Unbound content types are forgotten: binding them again starts afresh.
      await store().set({ key: STATE_KEY, value: state });
      const dropped = await links.removeUnbound(boundUids);
      if (dropped > 0) {
        strapi.log.info(
          `[iflychat] dropped ${dropped} room links of content types no longer bound`
        );
      }
      return queued;
    },
  };
}

export type Sweep = ReturnType<typeof createSweep>;

/**
 * Runs `task` every `intervalMs`, on a steady beat: each run is due one interval after the
 * previous one was due (not after it ended), whatever the interval (a cron rule such as
 * `*\/45 * * * * *` would fire at :00 and :45, 45 s then 15 s apart). A run still going when the
 * next is due makes that one wait for it; runs never overlap.
 */
export function createSteadyTimer(
  intervalMs: () => number,
  task: () => Promise<void>,
  now: () => number = Date.now
) {
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let stopped = true;
  let running: Promise<void> | null = null;

  function schedule() {
    if (stopped) return;
    dueAt += intervalMs();
    // Behind by more than one beat (a long run, a paused process): the next beat is from now.
    if (dueAt < now()) dueAt = now();
    timer = setTimeout(fire, dueAt - now());
    timer.unref();
  }

  function fire() {
    running = task().finally(() => {
      running = null;
      schedule();
    });
  }

  return {
    /** Runs the task now, then on every beat. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      dueAt = now();
      fire();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
