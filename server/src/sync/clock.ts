/**
 * The database's clock. Leases, due times and the sweep's look-back are compared across every
 * Strapi instance sharing the database, so they are all read from one clock: the database's.
 * An instance whose own clock runs minutes ahead must not see live leases as run out.
 *
 * Asking the database on every write would add a round trip to each one; instead the offset
 * between this process's clock and the database's is measured (halfway through a query's round
 * trip, the quickest of a few) at startup and every `CLOCK_RESYNC_MS`, and `now()` applies it.
 * An offset within the measurement's own uncertainty (half the round trip) counts as none, so
 * that a slow query on a busy machine does not move this process's clock back and forth. SQLite
 * runs in this process: its clock is this process's clock, and nothing is measured.
 */
import type { Core } from '@strapi/strapi';

import { CLOCK_RESYNC_MS, CLOCK_SAMPLES } from './constants';

export interface Clock {
  /** The database's time now. */
  now(): Date;
  /** Measures the offset again (at startup, then now and then). */
  sync(): Promise<void>;
  /** The measured offset in ms (database minus this process). */
  readonly offsetMs: number;
}

/** The query giving the database's time in ms since the epoch, per client. */
const NOW_MS: Record<string, string> = {
  postgres: 'select extract(epoch from clock_timestamp()) * 1000 as ms',
  mysql: 'select unix_timestamp(now(3)) * 1000 as ms',
  sqlite: "select (julianday('now') - 2440587.5) * 86400000.0 as ms",
};

/** The first row of a raw query's answer, whatever the client's shape. */
function firstRow(answer: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(answer)) {
    const first: unknown = answer[0];
    // mysql answers [rows, fields]
    return (Array.isArray(first) ? first[0] : first) as Record<string, unknown> | undefined;
  }
  const rows = (answer as { rows?: unknown[] } | null)?.rows;
  return rows?.[0] as Record<string, unknown> | undefined;
}

export function createDbClock(strapi: Core.Strapi, local: () => number = Date.now): Clock {
  let offsetMs = 0;
  let syncedAt = -Infinity;
  let syncing: Promise<void> | null = null;

  /** One sample: the offset, and the round trip it was measured within. */
  async function sample(sql: string): Promise<{ offset: number; roundTrip: number } | null> {
    const before = local();
    const answer: unknown = await strapi.db.connection.raw(sql);
    const after = local();
    const ms = Number(firstRow(answer)?.ms);
    if (!Number.isFinite(ms)) return null;
    return { offset: ms - (before + after) / 2, roundTrip: after - before };
  }

  async function measure(): Promise<void> {
    const client = String(strapi.db.dialect.client);
    if (client === 'sqlite' || client === 'better-sqlite3') {
      syncedAt = local();
      return;
    }
    const sql = NOW_MS[client] ?? NOW_MS.postgres;
    let best: { offset: number; roundTrip: number } | null = null;
    for (let i = 0; i < CLOCK_SAMPLES; i += 1) {
      const next = await sample(sql);
      if (next && (!best || next.roundTrip < best.roundTrip)) best = next;
    }
    if (!best) return;
    offsetMs = Math.abs(best.offset) <= best.roundTrip / 2 + 1 ? 0 : Math.round(best.offset);
    syncedAt = local();
  }

  const clock: Clock = {
    now() {
      if (local() - syncedAt > CLOCK_RESYNC_MS && !syncing) {
        void clock.sync();
      }
      return new Date(local() + offsetMs);
    },
    async sync() {
      syncing ??= measure()
        .catch((error: unknown) => {
          strapi.log.warn(
            `[iflychat] could not read the database's clock: ${error instanceof Error ? error.message : String(error)}`
          );
        })
        .finally(() => {
          syncing = null;
        });
      await syncing;
    },
    get offsetMs() {
      return offsetMs;
    },
  };
  return clock;
}

/** This process's own clock (unit tests, and code with no database). */
export const localClock: Clock = {
  now: () => new Date(),
  sync: () => Promise.resolve(),
  offsetMs: 0,
};
