/**
 * "Create rooms for existing entries": every published entry of a content type that has no
 * job yet is queued, in pages; its progress comes from counts, not from reading the entries.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { BackfillProgress } from '../../../contracts/settings';
import { isLocalized } from '../config/bindings';
import { AUDIT_PAGE } from './constants';
import { roomPerLocale } from './intake';
import type { Links } from './links';
import { targetsFor, type LinkTarget } from './room-links-keys';

type Query = ReturnType<Core.Strapi['db']['query']>;

/**
 * The rooms the published entries of `uid` should have, page by page in id order: one per
 * document, or one per published locale.
 */
async function* publishedTargets(
  query: Query,
  binding: Binding | undefined,
  localized: boolean
): AsyncGenerator<LinkTarget[]> {
  let lastId = 0;
  for (;;) {
    const rows = (await query.findMany({
      where: {
        id: { $gt: lastId },
        publishedAt: { $notNull: true },
      },
      select: localized ? ['id', 'documentId', 'locale'] : ['id', 'documentId'],
      orderBy: { id: 'asc' },
      limit: AUDIT_PAGE,
    })) as Array<{ id: number; documentId: string; locale?: string | null }>;
    if (rows.length === 0) return;
    lastId = rows[rows.length - 1].id;
    yield rows.flatMap((row) => targetsFor(binding, row.documentId, [row.locale]));
  }
}

export function createBackfill(strapi: Core.Strapi, links: Links) {
  const log = strapi.log;
  const running = new Set<string>();
  const modelOf = (uid: string) => strapi.contentTypes[uid as keyof typeof strapi.contentTypes];

  /** How many rooms the published entries of `uid` should have, from one count query. */
  async function countPublished(uid: string, binding: Binding | undefined): Promise<number> {
    const table = strapi.db.metadata.get(uid).tableName;
    const perLocale = roomPerLocale(strapi, uid, binding);
    const query = strapi.db.connection(table).whereNotNull('published_at');
    const rows: Array<{ n?: number | string }> = await (perLocale
      ? query.count({ n: '*' })
      : query.countDistinct({ n: 'document_id' }));
    return Number(rows[0]?.n ?? 0);
  }

  return {
    /** Queues every published entry of `uid` that has no job yet; returns how many. */
    async run(uid: string, binding: Binding | undefined): Promise<number> {
      let queued = 0;
      const localized = isLocalized(modelOf(uid));
      for await (const batch of publishedTargets(strapi.db.query(uid), binding, localized)) {
        queued += await links.markMissing(uid, batch);
      }
      return queued;
    },

    /** Starts `run` in the background; one backfill per content type at a time. */
    start(
      uid: string,
      binding: () => Promise<Binding | undefined>,
      onQueued: (queued: number) => void
    ): void {
      if (running.has(uid)) return;
      running.add(uid);
      binding()
        .then((found) => this.run(uid, found))
        .then((queued) => {
          log.info(`[iflychat] backfill of ${uid}: ${queued} entries queued`);
          onQueued(queued);
        })
        .catch((error: unknown) =>
          log.error(
            `[iflychat] backfill of ${uid} failed: ${error instanceof Error ? error.message : String(error)}`
          )
        )
        .finally(() => running.delete(uid));
    },

    /** Resolves when no backfill is running (for tests and shutdown). */
    async done(): Promise<void> {
      while (running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    },

    async progress(uid: string, binding: Binding | undefined): Promise<BackfillProgress> {
      const [total, counts] = await Promise.all([
        countPublished(uid, binding),
        links.countByStatus(uid),
      ]);
      const done = counts.created;
      const failed = counts.failed;
      // Unlinked by an editor: left alone on purpose, so not "remaining" either.
      const settled = done + failed + counts.unlinked;
      return { uid, total, done, failed, remaining: Math.max(0, total - settled) };
    },
  };
}

export type Backfill = ReturnType<typeof createBackfill>;
