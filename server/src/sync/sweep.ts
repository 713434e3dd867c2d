/**
 * The sweep: finds publishes whose job was never recorded (the process died between the commit
 * and the after-commit hook), and drops the rows of types no longer bound. Entries published
 * before a content type was bound are left alone: they are the backfill's business.
 *
 * It follows a cursor on the entries' primary key, not a scan by date: a publish writes a new
 * row (Strapi 5 publishes by writing the published version afresh), so a publish since the last
 * sweep has an id above the highest id seen then. Each tick reads the rows above the highest id
 * seen at least `LATE_COMMIT_MARGIN_MS` ago (a transaction that took its id earlier but
 * committed later is still found): a range of the index, however large the table. One instance
 * at a time sweeps (a lock shared through the database); the others only run what is due.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { isLocalized } from '../config/bindings';
import { PLUGIN_ID } from '../utils/get-service';
import { LATE_COMMIT_MARGIN_MS, SCAN_PAGE } from './constants';
import type { Clock } from './clock';
import { createLock } from './lock';
import { targetsFor, type RoomLinks } from './room-links';

const STATE_KEY = 'sync-state';

/** The highest entry id seen at a sweep, and when. */
interface Cursor {
  at: string;
  maxId: number;
}

interface ScanState {
  /** When the plugin first saw this binding. */
  boundSince: string;
  /** Recent cursors, oldest first: one older than the margin, then those within it. */
  cursors?: Cursor[];
  /** The state before cursors (a date-based look-back): its first sweep scans by date once. */
  scannedUntil?: string;
}

/** Where a tick starts: the newest cursor at least the margin old (or the oldest there is). */
export function scanFrom(cursors: Cursor[], now: number, marginMs: number): number {
  const old = cursors.filter((cursor) => Date.parse(cursor.at) <= now - marginMs);
  return (old.length > 0 ? old[old.length - 1] : cursors[0])?.maxId ?? 0;
}

/** The cursors kept after a tick that saw `maxId` at `now`. */
export function nextCursors(cursors: Cursor[], now: number, marginMs: number, maxId: number) {
  const old = cursors.filter((cursor) => Date.parse(cursor.at) <= now - marginMs);
  const recent = cursors.filter((cursor) => Date.parse(cursor.at) > now - marginMs);
  return [...old.slice(-1), ...recent, { at: new Date(now).toISOString(), maxId }];
}

export function createSweep(strapi: Core.Strapi, links: RoomLinks, clock: Clock) {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const lock = createLock(strapi, clock, 'sweep');
  const isLocalizedType = (uid: string) =>
    isLocalized(strapi.contentTypes[uid as keyof typeof strapi.contentTypes]);

  async function maxIdOf(uid: string): Promise<number> {
    const [row] = (await strapi.db.query(uid).findMany({
      select: ['id'],
      orderBy: { id: 'desc' },
      limit: 1,
    })) as Array<{ id: number }>;
    return row?.id ?? 0;
  }

  /** Queues the published rows of `uid` above `fromId` that have no job; returns how many. */
  async function scan(uid: string, binding: Binding, fromId: number, since: Date) {
    const localized = isLocalizedType(uid);
    let lastId = fromId;
    let queued = 0;
    for (;;) {
      const rows = (await strapi.db.query(uid).findMany({
        where: { id: { $gt: lastId }, publishedAt: { $gte: since } },
        select: localized ? ['id', 'documentId', 'locale'] : ['id', 'documentId'],
        orderBy: { id: 'asc' },
        limit: SCAN_PAGE,
      })) as Array<{ id: number; documentId: string; locale?: string | null }>;
      if (rows.length === 0) return queued;
      lastId = rows[rows.length - 1].id;
      const targets = rows.flatMap((row) => targetsFor(binding, row.documentId, [row.locale]));
      queued += (await links.queue(uid, targets, { retryFailed: false })).inserted;
    }
  }

  return {
    /**
     * Queues missed publishes of the bound content types; returns how many were queued (0 when
     * another instance holds the sweep).
     */
    async run(bindings: Record<string, Binding>, intervalMs: number): Promise<number> {
      if (!(await lock.acquire(Math.max(intervalMs * 3, 60_000)))) return 0;
      const now = clock.now().getTime();
      const saved = ((await store().get({ key: STATE_KEY })) ?? {}) as Record<string, ScanState>;
      const state: Record<string, ScanState> = {};
      let queued = 0;
      for (const [uid, binding] of Object.entries(bindings)) {
        const previous = Object.hasOwn(saved, uid) ? saved[uid] : undefined;
        const maxId = await maxIdOf(uid);
        if (!previous) {
          // Newly bound: only what is published from now on is the sweep's business.
          const at = new Date(now).toISOString();
          state[uid] = { boundSince: at, cursors: [{ at, maxId }] };
          continue;
        }
        const cursors = previous.cursors ?? [{ at: previous.boundSince, maxId: 0 }];
        const from = scanFrom(cursors, now, LATE_COMMIT_MARGIN_MS);
        queued += await scan(uid, binding, from, new Date(previous.boundSince));
        state[uid] = {
          boundSince: previous.boundSince,
          cursors: nextCursors(cursors, now, LATE_COMMIT_MARGIN_MS, maxId),
        };
      }
      // Unbound content types are forgotten: binding them again starts afresh.
      await store().set({ key: STATE_KEY, value: state });
      const dropped = await links.removeUnbound(Object.keys(bindings));
      if (dropped > 0) {
        strapi.log.info(
          `[iflychat] dropped ${dropped} room links of content types no longer bound`
        );
      }
      return queued;
    },

    /** Gives the sweep back to the other instances (at shutdown). */
    release: () => lock.release(),
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
