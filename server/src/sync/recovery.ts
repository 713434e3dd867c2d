/**
 * Finding published entries that have no room job.
 *
 * - The sweep: a publish whose job was never recorded (the process died between the commit and
 *   the after-commit hook) is found by looking at entries published since the last sweep, with a
 *   safety margin for late commits. Entries published before a content type was bound are left
 *   alone: they are the backfill's business.
 * - The backfill: every published entry of a content type, on an admin's request.
 */
import type { Core } from '@strapi/strapi';

import { PLUGIN_ID } from '../utils/get-service';
import type { RoomLinks } from './room-links';

const STATE_KEY = 'sync-state';
/** Publishes committed this long after their publishedAt are still found by the sweep. */
export const LATE_COMMIT_MARGIN_MS = 10 * 60_000;
const PAGE = 500;

interface ScanState {
  /** When the plugin first saw this binding. */
  boundSince: string;
  /** Publishes before this (minus the margin) were already looked at. */
  scannedUntil: string;
}

type Query = ReturnType<Core.Strapi['db']['query']>;

/** documentIds of the published entries of `uid` (published since `since`, if given). */
async function* publishedDocumentIds(query: Query, since?: Date): AsyncGenerator<string[]> {
  let lastId = 0;
  for (;;) {
    const rows = (await query.findMany({
      where: {
        id: { $gt: lastId },
        publishedAt: since ? { $gte: since } : { $notNull: true },
      },
      select: ['id', 'documentId'],
      orderBy: { id: 'asc' },
      limit: PAGE,
    })) as Array<{ id: number; documentId: string }>;
    if (rows.length === 0) return;
    lastId = rows[rows.length - 1].id;
    yield rows.map((row) => row.documentId);
  }
}

export function createRecovery(strapi: Core.Strapi, links: RoomLinks) {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const queryOf = (uid: string) => strapi.db.query(uid);

  return {
    /** Queues missed publishes of the bound content types; returns how many were queued. */
    async sweep(boundUids: string[]): Promise<number> {
      const startedAt = new Date();
      const saved = ((await store().get({ key: STATE_KEY })) ?? {}) as Record<string, ScanState>;
      const state: Record<string, ScanState> = {};
      let queued = 0;
      for (const uid of boundUids) {
        const previous = saved[uid];
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
        for await (const documentIds of publishedDocumentIds(queryOf(uid), since)) {
          queued += (await links.queue(uid, documentIds, { retryFailed: false })).inserted;
        }
        state[uid] = { boundSince: previous.boundSince, scannedUntil: startedAt.toISOString() };
      }
      // Unbound content types are forgotten: binding them again starts afresh.
      await store().set({ key: STATE_KEY, value: state });
      return queued;
    },

    /** Queues every published entry of `uid` that has no job yet; returns how many. */
    async backfill(uid: string): Promise<number> {
      let queued = 0;
      for await (const documentIds of publishedDocumentIds(queryOf(uid))) {
        queued += (await links.queue(uid, documentIds, { retryFailed: false })).inserted;
      }
      return queued;
    },

    /** How many distinct documents of `uid` are published. */
    async countPublished(uid: string): Promise<number> {
      const rows = (await queryOf(uid).findMany({
        where: { publishedAt: { $notNull: true } },
        select: ['documentId'],
      })) as Array<{ documentId: string }>;
      return new Set(rows.map((row) => row.documentId)).size;
    },
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
