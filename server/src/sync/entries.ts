/**
 * The entries rooms belong to: reading the published entry a room is named after, and writing
 * the room id on every row of it (draft and published) with a direct database update, so that
 * the entry does not show as "Modified" and nothing is published by it.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { Trx } from './links';
import { ALL_LOCALES } from './room-links-keys';
import { relationFieldsToPopulate, type Entry } from '../rooms/params';

/** The entry rows a room belongs to: the whole document, or one locale of it. */
export interface Scoped {
  contentType: string;
  entryDocumentId: string;
  entryLocale: string;
}

export function scopeOf(link: Scoped) {
  return {
    documentId: link.entryDocumentId,
    ...(link.entryLocale === ALL_LOCALES ? {} : { locale: link.entryLocale }),
  };
}

/** Whether an entry row is one of the rows a room belongs to (`scopeOf`, tested on a row read). */
export function inScope(link: Scoped, row: { documentId: string; locale?: string | null }) {
  return (
    row.documentId === link.entryDocumentId &&
    (link.entryLocale === ALL_LOCALES || row.locale === link.entryLocale)
  );
}

/** What a room's entry says now (see `presentAll`). */
export interface Present {
  published: Entry | null;
  exists: boolean;
  fieldValues: unknown[];
}

export function createEntries(strapi: Core.Strapi) {
  const queryOf = (uid: string) => strapi.db.query(uid);
  /** Whether a transaction gives a read of several statements one snapshot (see `presentAll`). */
  const snapshots = strapi.db.dialect.client !== 'postgres';
  const attributeType = (uid: string, field: string) =>
    (
      strapi.contentTypes[uid as keyof typeof strapi.contentTypes]?.attributes?.[field] as
        { type?: string } | undefined
    )?.type;

  /** The default locale, when a type is localized: the room of a whole document is named after it. */
  async function defaultLocale(): Promise<string | undefined> {
    const locales = strapi
      .plugin('i18n')
      ?.service<{ getDefaultLocale(): Promise<string | undefined> }>('locales');
    return locales?.getDefaultLocale().catch(() => undefined);
  }

  return {
    attributeType,

    /**
     * For each room of one content type: the published entry it is named after (the default
     * locale's, when there are several), with the relations the binding reads, whether any
     * version of it exists, and the room id its rows hold. One read for all of them: the rows
     * and their relations are two queries, on SQLite and MySQL in one transaction, which an
     * unpublish cannot split. PostgreSQL's READ COMMITTED gives each statement its own snapshot
     * even in a transaction, so there they are read without one: a split read is followed by
     * the unpublish's own mark, which runs the row again.
     */
    async presentAll(uid: string, links: Scoped[], binding: Binding): Promise<Present[]> {
      const populate = relationFieldsToPopulate(binding).filter(
        (field) => attributeType(uid, field) === 'relation'
      );
      const documentIds = [...new Set(links.map((link) => link.entryDocumentId))];
      const read = () =>
        queryOf(uid).findMany({ where: { documentId: { $in: documentIds } }, populate });
      const rows = (await (snapshots ? strapi.db.transaction(read) : read())) as Entry[];
      let wanted: Promise<string | undefined> | undefined;
      /** Of several published rows (locales of one document), the default locale's. */
      const pick = async (published: Entry[]) => {
        const locale = await (wanted ??= defaultLocale());
        return published.find((row) => row.locale === locale) ?? published[0];
      };
      return Promise.all(
        links.map(async (link) => {
          const mine = rows.filter((row) => inScope(link, row));
          const published = mine.filter((row) => row.publishedAt);
          return {
            published: published.length > 1 ? await pick(published) : (published[0] ?? null),
            exists: mine.length > 0,
            fieldValues: mine.map((row) => row[binding.roomIdField]),
          };
        })
      );
    },

    /**
     * Every row the room belongs to (draft and published; every locale, or the room's locale)
     * gets the room id, or loses it (`null`): one statement on the table, in `trx` when given.
     */
    async writeBack(link: Scoped, field: string, roomId: string | null, trx?: Trx): Promise<void> {
      const uid = link.contentType;
      const meta = strapi.db.metadata.get(uid);
      const column = (name: string) =>
        (meta.attributes[name] as { columnName?: string } | undefined)?.columnName ?? name;
      const value =
        roomId !== null && attributeType(uid, field) === 'integer' ? Number(roomId) : roomId;
      const where: Record<string, string> = { [column('documentId')]: link.entryDocumentId };
      if (link.entryLocale !== ALL_LOCALES) where[column('locale')] = link.entryLocale;
      await (trx ?? strapi.db.connection)(meta.tableName)
        .where(where)
        .update({ [column(field)]: value });
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
  };
}

export type Entries = ReturnType<typeof createEntries>;
