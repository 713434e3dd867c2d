/**
 * The Rooms page's queries on the link table: one page of rows, filtered, searched and sorted on
 * the database (each sort column and filter has an index of `iflychat_room_links`), and the
 * entries behind them (title and whether published), read for that page only.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import type { LinkStatus } from '../../../contracts/rooms';
import type { RoomQuery, RoomRow, RoomSort } from '../../../contracts/rooms-page';
import { isLocalized, type ModelLike } from '../config/bindings';
import { LINKS_TABLE } from '../sync/links';
import { ALL_LOCALES } from '../sync/room-links-keys';

const SORT_COLUMNS: ReadonlyMap<RoomSort, string> = new Map([
  ['id', 'l.id'],
  ['contentType', 'l.content_type'],
  ['roomId', 'l.room_id'],
  ['status', 'l.status'],
  ['attempts', 'l.attempts'],
  ['syncedAt', 'l.synced_at_ms'],
]);

export interface RawLink {
  id: number;
  content_type: string;
  entry_document_id: string;
  entry_locale: string;
  room_id: string | null;
  status: LinkStatus;
  attempts: number | null;
  last_error: string | null;
  synced_at_ms: number | string | null;
  unlinked: unknown;
}

interface EntryModel extends ModelLike {
  collectionName: string;
  kind: 'collectionType' | 'singleType';
  info?: { displayName?: string };
}

export function modelOf(strapi: Core.Strapi, uid: string): EntryModel | undefined {
  if (!Object.hasOwn(strapi.contentTypes, uid)) return undefined;
  return strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as unknown as EntryModel;
}

/** `%`, `_` and the escape character itself stand for themselves in a LIKE pattern. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;

/**
 * What a query is read for. A count reads every matching row; a page of rows in a chosen order
 * reads rows in that order until the page is full. Each gets the condition it runs fastest with.
 */
export type Reading = 'count' | 'page';

/** The documents (or document locales) of `model` that have no published version. */
function neverPublished(db: Knex, model: EntryModel, columns: string[]) {
  return db(model.collectionName)
    .select(columns)
    .groupBy(columns)
    .havingRaw('count(??) = 0', ['published_at']);
}

/**
 * For a count: the entries are read once, in the order of their own `documents_idx` (document,
 * locale, published), grouped without a join, and the few documents found looked up in the link
 * table's `iflychat_room_links_entry_room` index. (A `NOT EXISTS` per link row made PostgreSQL
 * hash every published entry for each count: about 3 times slower at 100,000 rows.)
 */
function countUnpublished(db: Knex, model: EntryModel, rows: Knex.QueryBuilder) {
  if (!isLocalized(model)) {
    rows.whereIn('l.entry_document_id', neverPublished(db, model, ['document_id']));
    return;
  }
  rows.where((either) => {
    either
      .where((whole) => {
        whole
          .where('l.entry_locale', ALL_LOCALES)
          .whereIn('l.entry_document_id', neverPublished(db, model, ['document_id']));
      })
      .orWhere((one) => {
        one
          .whereNot('l.entry_locale', ALL_LOCALES)
          .whereIn(
            ['l.entry_document_id', 'l.entry_locale'],
            neverPublished(db, model, ['document_id', 'locale'])
          );
      });
  });
}

/**
 * For a page: a `NOT EXISTS` per link row, so that the rows are walked in the page's order and
 * each entry looked up in `documents_idx` until the page is full (the grouped reading would sort
 * every match first).
 */
function pageUnpublished(db: Knex, model: EntryModel, rows: Knex.QueryBuilder) {
  const localized = isLocalized(model);
  rows.whereNotExists((entry) => {
    entry
      .select(db.raw('1'))
      .from(`${model.collectionName} as e`)
      .whereRaw('?? = ??', ['e.document_id', 'l.entry_document_id'])
      .whereNotNull('e.published_at');
    if (localized) {
      entry.where((locale) => {
        locale
          .where('l.entry_locale', ALL_LOCALES)
          .orWhereRaw('?? = ??', ['e.locale', 'l.entry_locale']);
      });
    }
  });
}

/** Link rows of `model` whose entry has no published version (in the room's locale). */
function whereEntryUnpublished(
  db: Knex,
  model: EntryModel,
  rows: Knex.QueryBuilder,
  reading: Reading
) {
  rows.where('l.content_type', model.uid);
  if (reading === 'count') countUnpublished(db, model, rows);
  else pageUnpublished(db, model, rows);
}

/** The content types that rows may belong to: the one chosen, or those the link table holds. */
async function typesOf(strapi: Core.Strapi, uid: string | undefined): Promise<string[]> {
  const found: unknown = uid
    ? [{ content_type: uid }]
    : await strapi.db.connection(LINKS_TABLE).distinct('content_type');
  return (found as Array<{ content_type: string }>).map((row) => row.content_type);
}

/**
 * Rows with a room whose entry has no published version. With one content type (the usual case,
 * or a type chosen) the condition is that type's alone; with several, one such condition per
 * type.
 */
function whereUnpublishedWithRoom(
  strapi: Core.Strapi,
  query: Knex.QueryBuilder,
  uids: string[],
  reading: Reading
) {
  const db = strapi.db.connection;
  const known = uids.flatMap((one) => {
    const model = modelOf(strapi, one);
    return model ? [model] : [];
  });
  query.whereNotNull('l.room_id');
  if (known.length === 1 && uids.length === 1) {
    whereEntryUnpublished(db, known[0], query, reading);
    return;
  }
  query.where((any) => {
    for (const model of known) {
      any.orWhere((one) => {
        whereEntryUnpublished(db, model, one, reading);
      });
    }
    // A type that no longer exists has no published entry.
    any.orWhereNotIn(
      'l.content_type',
      known.map((model) => model.uid)
    );
  });
}

/**
 * The link rows a query selects, without paging or order: `rows` to read a page from, `counting`
 * to count them (the same rows, each read the way it runs fastest: see `Reading`). (Wrapped: a
 * query builder is a thenable, which an async function's promise would run.)
 */
export async function selectRows(
  strapi: Core.Strapi,
  query: RoomQuery
): Promise<{ rows: Knex.QueryBuilder; counting: Knex.QueryBuilder }> {
  const types = query.filter === 'unpublishedWithRoom' ? await typesOf(strapi, query.uid) : null;
  const select = (reading: Reading) => {
    const rows = strapi.db.connection(`${LINKS_TABLE} as l`);
    if (query.uid) rows.where('l.content_type', query.uid);
    if (query.filter === 'failed' || query.filter === 'retrying')
      rows.where('l.status', query.filter);
    if (query.filter === 'noRoom') rows.whereNull('l.room_id');
    if (types) whereUnpublishedWithRoom(strapi, rows, types, reading);
    if (query.q) {
      const q = query.q;
      rows.where((match) => {
        match
          .where('l.room_id', q)
          .orWhere('l.entry_document_id', q)
          .orWhereRaw('lower(l.room_name) like ? escape ?', [likePattern(q), '\\']);
      });
    }
    return rows;
  };
  return { rows: select('page'), counting: select('count') };
}

/** Orders rows by the chosen column, then by id (a stable order for paging). */
export function ordered(rows: Knex.QueryBuilder, query: RoomQuery): Knex.QueryBuilder {
  const column = SORT_COLUMNS.get(query.sort) ?? 'l.id';
  rows.orderBy(column, query.order);
  if (column !== 'l.id') rows.orderBy('l.id', query.order);
  return rows;
}

export const ROW_COLUMNS = [
  'l.id',
  'l.content_type',
  'l.entry_document_id',
  'l.entry_locale',
  'l.room_id',
  'l.status',
  'l.attempts',
  'l.last_error',
  'l.synced_at_ms',
  'l.unlinked',
];

interface EntryFacts {
  title: string | null;
  published: boolean;
}

/** The Content Manager's main field of a type (what its list view shows), or null. */
async function mainFieldOf(strapi: Core.Strapi, model: EntryModel): Promise<string | null> {
  try {
    const service = strapi.plugin('content-manager').service<{
      findConfiguration(model: EntryModel): Promise<{ settings?: { mainField?: string } }>;
    }>('content-types');
    const field = (await service.findConfiguration(model)).settings?.mainField;
    if (field && Object.hasOwn(model.attributes, field)) return field;
  } catch {
    // No configuration yet: fall back on the document id.
  }
  return null;
}

/** Title and published state of the page's entries of one type, by `documentId:locale`. */
async function factsOf(
  strapi: Core.Strapi,
  model: EntryModel,
  rows: RawLink[],
  showTitle: boolean
): Promise<Map<string, EntryFacts>> {
  const field = showTitle ? await mainFieldOf(strapi, model) : null;
  const localized = Object.hasOwn(model.attributes, 'locale');
  const found: unknown = await strapi.db
    .connection(model.collectionName)
    .whereIn('document_id', [...new Set(rows.map((row) => row.entry_document_id))])
    .select([
      'document_id',
      'published_at',
      ...(localized ? ['locale'] : []),
      ...(field ? [field] : []),
    ]);
  const facts = new Map<string, EntryFacts>();
  for (const version of found as Array<Record<string, unknown>>) {
    const keys = [`${String(version.document_id)}:${ALL_LOCALES}`];
    if (localized) keys.push(`${String(version.document_id)}:${String(version.locale)}`);
    for (const key of keys) {
      const known = facts.get(key) ?? { title: null, published: false };
      const text = field ? version[field] : null;
      facts.set(key, {
        title:
          known.title ??
          (typeof text === 'string' || typeof text === 'number' ? String(text) : null),
        published: known.published || version.published_at !== null,
      });
    }
  }
  return facts;
}

/** The page's rows as the list shows them; titles only of types `mayRead` allows. */
export async function describeRows(
  strapi: Core.Strapi,
  rows: RawLink[],
  mayRead: (uid: string) => boolean
): Promise<RoomRow[]> {
  const byType = new Map<string, RawLink[]>();
  for (const row of rows)
    byType.set(row.content_type, [...(byType.get(row.content_type) ?? []), row]);
  const facts = new Map<string, Map<string, EntryFacts>>();
  for (const [uid, ofType] of byType) {
    const model = modelOf(strapi, uid);
    if (model) facts.set(uid, await factsOf(strapi, model, ofType, mayRead(uid)));
  }
  return rows.map((row) => {
    const model = modelOf(strapi, row.content_type);
    const entry = facts.get(row.content_type)?.get(`${row.entry_document_id}:${row.entry_locale}`);
    const synced = row.synced_at_ms === null ? null : Number(row.synced_at_ms);
    return {
      id: Number(row.id),
      uid: row.content_type,
      typeName: model?.info?.displayName ?? row.content_type,
      kind: model?.kind ?? null,
      documentId: row.entry_document_id,
      locale: row.entry_locale === ALL_LOCALES ? null : row.entry_locale,
      title: entry?.title ?? null,
      published: model ? (entry?.published ?? false) : null,
      roomId: row.room_id,
      status: row.status,
      attempts: Number(row.attempts ?? 0),
      lastError: row.last_error,
      syncedAt: synced ? new Date(synced).toISOString() : null,
    };
  });
}
