/**
 * The audit: events make rooms converge fast, the audit makes it certain. Each tick reads one
 * page of each side, on a cursor over the primary key that wraps around, and marks what a lost
 * event missed:
 *
 * - entries → rows: a published entry of a bound type (published since the type was bound: a
 *   publish writes a new row, so its id is above the highest id seen then; or
 *   any with a backfill) whose room has no row, or whose row followed another published version;
 * - rows → entries: a row whose entry is unpublished or deleted while it still has a room, whose
 *   shape no longer fits its binding, or that followed another published version.
 *
 * A mark is idempotent, so two instances auditing at once cost a little work, never a wrong room.
 * Rows held past their lease need no mark: the claim takes them once the lease has run out.
 *
 * A backfill ("Create rooms for existing entries") is the entries side run over every page of one
 * type at once, whenever it was published.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { BackfillProgress } from '../../../contracts/settings';
import { bindingFor, isLocalized } from '../config/bindings';
import { PLUGIN_ID } from '../utils/get-service';
import { AUDIT_PAGE } from './constants';
import { inScope } from './entries';
import type { LinkRow, Links } from './links';
import { shapeFits } from './plan';
import type { LinkTarget } from './room-links-keys';
import { roomPerLocale, targetsOf } from './intake';

const STATE_KEY = 'bindings-seen';

/** Per bound type: when it was first seen bound (ms), and what its rooms were last marked for. */
type Seen = Record<string, { sinceId: number; signature: string }>;

type Published = { id: number; documentId: string; locale?: string | null; publishedAt: unknown };

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}

export function createAudit(strapi: Core.Strapi, links: Links) {
  const store = () => strapi.store({ type: 'plugin', name: PLUGIN_ID });
  const localized = (uid: string) =>
    isLocalized(strapi.contentTypes[uid as keyof typeof strapi.contentTypes]);
  const entryCursors = new Map<string, number>();
  let rowCursor = 0;

  /**
   * When each bound type was first seen bound (older publishes are the backfill's), and whether
   * its binding or the role map changed since its rooms were last marked: then every row of the
   * type is marked (settings changes take no path of their own), on whichever instance sees it.
   */
  async function bindingsSeen(
    bindings: Record<string, Binding>,
    roleMap: Record<string, string>
  ): Promise<Map<string, number>> {
    const saved = ((await store().get({ key: STATE_KEY })) ?? {}) as Seen;
    const next: Seen = {};
    for (const [uid, binding] of Object.entries(bindings)) {
      const signature = JSON.stringify([binding, roleMap, localized(uid)]);
      const before = Object.hasOwn(saved, uid) ? saved[uid] : undefined;
      // Zone-free: the highest entry id when the binding was first seen, not a time.
      next[uid] = { sinceId: before?.sinceId ?? (await maxIdOf(uid)), signature };
      if (before && before.signature !== signature) {
        const marked = await links.markType(uid);
        entryCursors.delete(uid);
        strapi.log.info(
          `[iflychat] the settings of ${uid} changed: ${marked} rooms to look at again`
        );
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(saved)) {
      await store().set({ key: STATE_KEY, value: next });
    }
    return new Map(Object.entries(next).map(([uid, seen]) => [uid, seen.sinceId]));
  }

  async function maxIdOf(uid: string): Promise<number> {
    const [row] = (await strapi.db
      .query(uid)
      .findMany({ select: ['id'], orderBy: { id: 'desc' }, limit: 1 })) as Array<{ id: number }>;
    return Number(row?.id ?? 0);
  }

  /** The columns of an entry the audit reads. */
  const entryColumns = (uid: string) =>
    localized(uid)
      ? ['id', 'documentId', 'locale', 'publishedAt']
      : ['id', 'documentId', 'publishedAt'];

  /** The published rows of `uid` with ids after `afterId` (one page), chat off left out. */
  async function publishedPage(uid: string, binding: Binding, afterId: number) {
    const chat = typeof binding.enabled === 'object' ? binding.enabled.field : null;
    return (await strapi.db.query(uid).findMany({
      where: {
        id: { $gt: afterId },
        publishedAt: { $notNull: true },
        ...(chat ? { $or: [{ [chat]: { $null: true } }, { [chat]: true }] } : {}),
      },
      select: entryColumns(uid),
      orderBy: { id: 'asc' },
      limit: AUDIT_PAGE,
    })) as Published[];
  }

  /** Marks the rooms of a page of published entries that have no row; returns how many. */
  function markPage(uid: string, binding: Binding, page: Published[]): Promise<number> {
    const targets = page.flatMap((entry) =>
      targetsOf(strapi, binding, uid, entry.documentId, [entry.locale])
    );
    return links.markMissing(uid, targets);
  }

  /** Published entries whose room has no row (rows that followed another version: `auditRows`). */
  async function auditEntries(uid: string, binding: Binding, sinceId: number): Promise<number> {
    const from = Math.max(entryCursors.get(uid) ?? 0, sinceId);
    const page = await publishedPage(uid, binding, from);
    entryCursors.set(uid, page.length < AUDIT_PAGE ? 0 : page[page.length - 1].id);
    return markPage(uid, binding, page);
  }

  /** Whether a row's recorded state disagrees with its entry as it is now. */
  function disagrees(row: LinkRow, binding: Binding, published: Published[], exists: boolean) {
    if (row.wantSeq > row.doneSeq || row.unlinked) return false;
    if (!shapeFits(roomPerLocale(strapi, row.contentType, binding), row.entryLocale)) return true;
    // Deleted: the row goes under `keep`, and its room under `delete`.
    if (!exists) return binding.onDelete === 'keep' || row.roomId !== null;
    if (published.length === 0) return row.roomId !== null && binding.onUnpublish === 'delete';
    // Followed another published version (a publish whose mark was lost).
    return row.entryRowId !== null && !published.some((entry) => entry.id === row.entryRowId);
  }

  /** Rows whose entry changed in a way no event reported. */
  async function auditRows(bindings: Record<string, Binding>): Promise<number> {
    const page = await links.page(rowCursor, AUDIT_PAGE);
    rowCursor = page.length < AUDIT_PAGE ? 0 : page[page.length - 1].id;
    let marked = 0;
    const byType = groupBy(page, (row) => row.contentType);
    for (const [uid, rows] of byType) {
      const binding = bindingFor(bindings, uid);
      if (!binding) continue;
      const entries = (await strapi.db.query(uid).findMany({
        where: { documentId: { $in: [...new Set(rows.map((row) => row.entryDocumentId))] } },
        select: entryColumns(uid),
      })) as Published[];
      const byDocument = groupBy(entries, (entry) => entry.documentId);
      const stale: LinkTarget[] = [];
      for (const row of rows) {
        const mine = (byDocument.get(row.entryDocumentId) ?? []).filter((entry) =>
          inScope(row, entry)
        );
        const published = mine.filter((entry) => entry.publishedAt);
        if (disagrees(row, binding, published, mine.length > 0)) {
          stale.push({ documentId: row.entryDocumentId, locale: row.entryLocale });
        }
      }
      marked += await links.mark(uid, stale, { publish: false });
    }
    return marked;
  }

  return {
    /** One tick: a page of each side; returns how many rows it marked. */
    async tick(
      bindings: Record<string, Binding>,
      roleMap: Record<string, string>
    ): Promise<number> {
      const since = await bindingsSeen(bindings, roleMap);
      let marked = 0;
      for (const [uid, binding] of Object.entries(bindings)) {
        marked += await auditEntries(uid, binding, since.get(uid) ?? 0);
      }
      return marked + (await auditRows(bindings));
    },

    /** Marks every published entry of `uid` whose room has no row (a backfill); returns how many. */
    async backfill(uid: string, binding: Binding): Promise<number> {
      let marked = 0;
      for (let afterId = 0; ;) {
        const page = await publishedPage(uid, binding, afterId);
        if (page.length === 0) return marked;
        afterId = page[page.length - 1].id;
        marked += await markPage(uid, binding, page);
      }
    },

    /** How far the rooms of `uid` are: counts only, never the entries themselves. */
    async progress(uid: string, binding: Binding | undefined): Promise<BackfillProgress> {
      const meta = strapi.db.metadata.get(uid);
      // Entries whose chat is off have no room to make.
      const chat = typeof binding?.enabled === 'object' ? binding.enabled.field : null;
      const column = chat ? (meta.attributes[chat] as { columnName?: string })?.columnName : null;
      const published = strapi.db
        .connection(meta.tableName)
        .whereNotNull('published_at')
        .where((q) => {
          if (column) void q.whereNull(column).orWhere(column, true);
        });
      const [[row], counts] = await Promise.all([
        (roomPerLocale(strapi, uid, binding)
          ? published.count({ n: '*' })
          : published.countDistinct({ n: 'document_id' })) as Promise<Array<{ n?: unknown }>>,
        links.countByStatus(uid),
      ]);
      const total = Number(row?.n ?? 0);
      const { created: done, failed, unlinked } = counts;
      // Unlinked by an editor: left alone on purpose, so not "remaining" either.
      return { uid, total, done, failed, remaining: Math.max(0, total - done - failed - unlinked) };
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
