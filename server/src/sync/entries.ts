/**
 * The entries rooms belong to: reading the published entry a room is named after, and writing
 * the room id on every row of it (draft and published) with a direct database update, so that
 * the entry does not show as "Modified" and nothing is published by it.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { ALL_LOCALES, type RoomLink } from './room-links';
import { relationFieldsToPopulate, type Entry } from './room-params';

/** The entry rows a room belongs to: the whole document, or one locale of it. */
export type Scoped = Pick<RoomLink, 'contentType' | 'entryDocumentId' | 'entryLocale'>;

export function scopeOf(link: Scoped) {
  return {
    documentId: link.entryDocumentId,
    ...(link.entryLocale === ALL_LOCALES ? {} : { locale: link.entryLocale }),
  };
}

function inScope(link: Scoped, entry: Entry): boolean {
  return (
    entry.documentId === link.entryDocumentId &&
    (link.entryLocale === ALL_LOCALES || entry.locale === link.entryLocale)
  );
}

export function createEntries(strapi: Core.Strapi) {
  const queryOf = (uid: string) => strapi.db.query(uid);
  const attributeType = (uid: string, field: string) =>
    (
      strapi.contentTypes[uid as keyof typeof strapi.contentTypes]?.attributes?.[field] as
        { type?: string } | undefined
    )?.type;

  /**
   * The published rows of these documents, with the relations the binding reads. The rows and
   * their relations are two queries: read in one transaction, an unpublish cannot commit between
   * them on SQLite (one connection) or MySQL (one snapshot per transaction) and show a published
   * entry without its role. PostgreSQL's default isolation gives each query its own snapshot,
   * so there the window stays open (a few milliseconds): the sync handler reads an entry that
   * gives no room once more before failing it.
   */
  async function loadPublishedRows(uid: string, documentIds: string[], binding: Binding) {
    return strapi.db.transaction(
      async () =>
        (await queryOf(uid).findMany({
          where: { documentId: { $in: documentIds }, publishedAt: { $notNull: true } },
          populate: relationFieldsToPopulate(binding).filter(
            (field) => attributeType(uid, field) === 'relation'
          ),
        })) as Entry[]
    );
  }

  /** Of a document's published rows, the one the room is named after: the default locale's. */
  async function pickEntry(rows: Entry[]): Promise<Entry | null> {
    if (rows.length <= 1) return rows[0] ?? null;
    const locales = strapi
      .plugin('i18n')
      ?.service<{ getDefaultLocale(): Promise<string | undefined> }>('locales');
    const defaultLocale = await locales?.getDefaultLocale().catch(() => undefined);
    return rows.find((row) => row.locale === defaultLocale) ?? rows[0];
  }

  /** Entries loaded ahead for a batch of claimed jobs, by link row id (see `preload`). */
  const preloaded = new Map<number, Entry[]>();

  return {
    attributeType,

    /**
     * Every row the room belongs to (draft and published; every locale, or the room's locale)
     * gets the room id, or loses it (`null`).
     */
    async writeBack(link: Scoped, field: string, roomId: string | null): Promise<void> {
      const uid = link.contentType;
      const value =
        roomId !== null && attributeType(uid, field) === 'integer' ? Number(roomId) : roomId;
      await queryOf(uid).updateMany({ where: scopeOf(link), data: { [field]: value } });
    },

    /** The room id each row of the room's entry holds now. */
    async roomIdsOn(link: Scoped, field: string): Promise<unknown[]> {
      const rows = (await queryOf(link.contentType).findMany({
        where: scopeOf(link),
        select: [field],
      })) as Entry[];
      return rows.map((row) => row[field]);
    },

    /** Whether any row the room belongs to is published. */
    async isPublished(link: Scoped): Promise<boolean> {
      const count = await queryOf(link.contentType).count({
        where: { ...scopeOf(link), publishedAt: { $notNull: true } },
      });
      return count > 0;
    },

    /** Whether any row the room belongs to exists at all. */
    async exists(link: Scoped): Promise<boolean> {
      return (await queryOf(link.contentType).count({ where: scopeOf(link) })) > 0;
    },

    /** Loads the published entries of a batch of jobs at once (one query per content type). */
    async preload(batch: RoomLink[], bindings: Record<string, Binding>): Promise<void> {
      const byType = new Map<string, RoomLink[]>();
      for (const row of batch) {
        if (row.operation === 'delete' || !Object.hasOwn(bindings, row.contentType)) continue;
        byType.set(row.contentType, [...(byType.get(row.contentType) ?? []), row]);
      }
      for (const [uid, rows] of byType) {
        const entries = await loadPublishedRows(
          uid,
          rows.map((row) => row.entryDocumentId),
          bindings[uid]
        );
        for (const row of rows) {
          preloaded.set(
            row.id,
            entries.filter((entry) => inScope(row, entry))
          );
        }
      }
    },

    /** The published entry a room is named after (its locale's, or the default locale's). */
    async publishedEntry(link: RoomLink, binding: Binding): Promise<Entry | null> {
      const rows =
        preloaded.get(link.id) ??
        (await loadPublishedRows(link.contentType, [link.entryDocumentId], binding)).filter(
          (entry) => inScope(link, entry)
        );
      preloaded.delete(link.id);
      return pickEntry(rows);
    },

    /** Drops what was loaded ahead for a job that ended. */
    forget(linkId: number): void {
      preloaded.delete(linkId);
    },
  };
}

export type Entries = ReturnType<typeof createEntries>;
