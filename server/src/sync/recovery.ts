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

import type { Binding } from '../../../contracts/config';
import { isLocalized } from '../config/bindings';
import { PLUGIN_ID } from '../utils/get-service';
import { targetsFor, type LinkTarget, type RoomLinks } from './room-links';

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

/**
 * The rooms the published entries of `uid` should have (published since `since`, if given):
 * one per document, or one per published locale when the binding says so.
 */
async function* publishedTargets(
  query: Query,
  binding: Binding | undefined,
  localized: boolean,
  since?: Date
): AsyncGenerator<LinkTarget[]> {
  let lastId = 0;
  for (;;) {
    const rows = (await query.findMany({
      where: {
        id: { $gt: lastId },
        publishedAt: since ? { $gte: since } : { $notNull: true },
      },
      select: localized ? ['id', 'documentId', 'locale'] : ['id', 'documentId'],
      orderBy: { id: 'asc' },
      limit: PAGE,
    })) as Array<{ id: number; documentId: string; locale?: string | null }>;
    if (rows.length === 0) return;
    lastId = rows[rows.length - 1].id;
    yield rows.flatMap((row) => targetsFor(binding, row.documentId, [row.locale]));
  }
}

export function createRecovery(strapi: Core.Strapi, links: RoomLinks) {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const queryOf = (uid: string) => strapi.db.query(uid);
  const isLocalizedType = (uid: string) =>
    isLocalized(strapi.contentTypes[uid as keyof typeof strapi.contentTypes]);
  const targets = (uid: string, binding: Binding | undefined, since?: Date) =>
    publishedTargets(queryOf(uid), binding, isLocalizedType(uid), since);

  return {
    /** Queues missed publishes of the bound content types; returns how many were queued. */
    async sweep(bindings: Record<string, Binding>): Promise<number> {
      const boundUids = Object.keys(bindings);
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
        for await (const batch of targets(uid, bindings[uid], since)) {
          queued += (await links.queue(uid, batch, { retryFailed: false })).inserted;
        }
        state[uid] = { boundSince: previous.boundSince, scannedUntil: startedAt.toISOString() };
      }
      // Unbound content types are forgotten: binding them again starts afresh.
      await store().set({ key: STATE_KEY, value: state });
      return queued;
    },

    /** Queues every published entry of `uid` that has no job yet; returns how many. */
    async backfill(uid: string, binding: Binding | undefined): Promise<number> {
      let queued = 0;
      for await (const batch of targets(uid, binding)) {
        queued += (await links.queue(uid, batch, { retryFailed: false })).inserted;
      }
      return queued;
    },

    /** How many rooms the published entries of `uid` should have. */
    async countPublished(uid: string, binding: Binding | undefined): Promise<number> {
      const keys = new Set<string>();
      for await (const batch of targets(uid, binding)) {
        for (const target of batch) keys.add(`${target.documentId}:${target.locale}`);
      }
      return keys.size;
    },
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
