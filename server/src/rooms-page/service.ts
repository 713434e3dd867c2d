/**
 * The Rooms page: every entry's room on one list (filtered, searched, sorted and paged on the
 * database), its CSV export, Retry failed in bulk (a bounded number of rooms a press), and the
 * rooms in iFlyChat that no entry owns (orphans), which a community manager may delete.
 *
 * Retry goes through the same compare-and-set as the room panel's Retry now (`panel/desk.ts`):
 * a row a worker holds is left alone. iFlyChat is called only to list rooms and to delete an
 * orphan; its answers are never relayed, only described in the plugin's words.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import type {
  ListOrphans,
  ListRooms,
  OrphanRoom,
  RetryFailedResult,
  RoomListQuery,
  RoomQuery,
  RoomRow,
} from '../../../contracts/rooms-page';
import { MAX_EXPORT_ROWS, MAX_ORPHANS, RETRY_FAILED_LIMIT } from '../../../contracts/rooms-page';
import { IflychatApiError, IflychatTimeoutError } from '../iflychat/errors';
import { createRoomDesk, RoomBusyError, type RoomDesk } from '../panel/desk';
import { LINKS_TABLE, rowFrom } from '../sync/links';
import { RoomOwnedError } from '../sync/room-claims';
import { getService } from '../utils/get-service';
import { validationError } from '../utils/validation';
import { describeRows, ordered, ROW_COLUMNS, selectRows, type RawLink } from './query';

const CLAIMS_TABLE = 'iflychat_room_claims';
/** The claim an orphan's deletion holds, so that no entry links the room meanwhile. */
const DELETING_KEY = 'iflychat:orphan-delete';
const EXPORT_BATCH = 1000;

/** The page's words for a failed iFlyChat call: never its answer's body. */
export function remoteFailure(error: unknown): string {
  if (error instanceof IflychatApiError) {
    if (error.status === 401 || error.status === 403) return 'iFlyChat refused the API key';
    return `iFlyChat answered with an error (HTTP ${error.status})`;
  }
  if (error instanceof IflychatTimeoutError) return 'iFlyChat did not answer in time';
  return 'iFlyChat could not be reached';
}

const roomIdError = (message: string) => validationError([{ path: ['roomId'], message }]);

export function createRoomsPageService({ strapi }: { strapi: Core.Strapi }) {
  const db = () => strapi.db.connection;
  let made: RoomDesk | null = null;
  const desk = () => {
    const sync = getService(strapi, 'sync');
    made ??= createRoomDesk({ strapi, ...sync, wake: () => sync.wake() });
    return made;
  };

  /**
   * One page of a query's rows, and how many rows it has in all. A search (a `LIKE '%…%'`) finds
   * all its rows whatever the page, so its page carries the count, from the same reading;
   * elsewhere the page is an index walk and the count a query of its own, each read the way it
   * runs fastest (see `Reading`).
   */
  async function pageOf(query: RoomListQuery): Promise<{ found: RawLink[]; total: number }> {
    const { rows, counting } = await selectRows(strapi, query);
    const page = ordered(rows, query)
      .select(ROW_COLUMNS)
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    if (query.q) {
      const counted: unknown = await page.select(
        db().raw('count(*) over () as ??', ['total_rows'])
      );
      const found = counted as Array<RawLink & { total_rows: unknown }>;
      // Past the last page there is no row to carry the count.
      if (found.length > 0) return { found, total: Number(found[0].total_rows) };
    }
    const counted: unknown = await counting.count({ n: '*' });
    const total = Number((counted as Array<{ n: unknown }>)[0]?.n ?? 0);
    return { found: query.q ? [] : ((await page) as RawLink[]), total };
  }

  async function list(
    query: RoomListQuery,
    mayRead: (uid: string) => boolean
  ): Promise<ListRooms.Response> {
    const { found, total } = await pageOf(query);
    return {
      data: await describeRows(strapi, found, mayRead),
      meta: {
        pagination: {
          page: query.page,
          pageSize: query.pageSize,
          pageCount: Math.ceil(total / query.pageSize),
          total,
        },
      },
    };
  }

  /** The rows of a query in pages of EXPORT_BATCH, at most MAX_EXPORT_ROWS. */
  async function* exportRows(
    query: RoomQuery,
    mayRead: (uid: string) => boolean
  ): AsyncGenerator<RoomRow[]> {
    for (let offset = 0; offset < MAX_EXPORT_ROWS; offset += EXPORT_BATCH) {
      const { rows } = await selectRows(strapi, query);
      const found = (await ordered(rows, query)
        .select(ROW_COLUMNS)
        .limit(EXPORT_BATCH)
        .offset(offset)) as RawLink[];
      if (found.length > 0) yield await describeRows(strapi, found, mayRead);
      if (found.length < EXPORT_BATCH) return;
    }
  }

  /** The failed rows (of one type, or of all), oldest last attempt first. */
  const failedRows = (uid: string | undefined) =>
    db()(LINKS_TABLE)
      .where('status', 'failed')
      .modify((rows: Knex.QueryBuilder) => {
        if (uid) rows.where('content_type', uid);
      });

  /**
   * Queues at most RETRY_FAILED_LIMIT failed rooms to run again now, those whose last attempt
   * is the oldest (one that failed again meanwhile goes to the back), and says how many remain.
   */
  async function retryOldestFailed(uid: string | undefined): Promise<RetryFailedResult> {
    const result: RetryFailedResult = { retried: 0, busy: 0, remaining: 0 };
    const found = (await failedRows(uid)
      .orderByRaw('coalesce(??, 0) asc, ?? asc', ['synced_at_ms', 'id'])
      .limit(RETRY_FAILED_LIMIT)) as Array<Record<string, unknown>>;
    for (const link of found.map(rowFrom)) {
      const scope = {
        documentId: link.entryDocumentId,
        locale: link.entryLocale,
        contentType: link.contentType,
        entryDocumentId: link.entryDocumentId,
        entryLocale: link.entryLocale,
      };
      try {
        await desk().retry(scope, link);
        result.retried += 1;
      } catch (error) {
        if (!(error instanceof RoomBusyError)) throw error;
        result.busy += 1;
      }
    }
    const counted: unknown = await failedRows(uid).count({ n: '*' });
    result.remaining = Number((counted as Array<{ n: unknown }>)[0]?.n ?? 0);
    if (result.retried > 0) {
      strapi.log.info(
        `[iflychat] ${result.retried} failed rooms queued again from the Rooms page, ${result.remaining} still failed`
      );
    }
    return result;
  }

  /**
   * Retry failed, one request after the other on this instance: a second press (another tab,
   * another admin) takes the rooms the first left, instead of finding the same ones busy.
   * Across instances each row's compare-and-set still queues it once.
   */
  let retrying: Promise<unknown> = Promise.resolve();
  function retryFailed(uid?: string): Promise<RetryFailedResult> {
    const run = retrying.then(() => retryOldestFailed(uid));
    retrying = run.catch(() => undefined);
    return run;
  }

  /** The room ids among `roomIds` that an entry owns (or is about to retire). */
  async function owned(roomIds: string[]): Promise<Set<string>> {
    const mine = new Set<string>();
    for (let start = 0; start < roomIds.length; start += 500) {
      const ids = roomIds.slice(start, start + 500);
      const found: unknown = await db()
        .select('room_id as id')
        .from(LINKS_TABLE)
        .whereIn('room_id', ids)
        .union((more) => {
          more.select('retire_room_id as id').from(LINKS_TABLE).whereIn('retire_room_id', ids);
        })
        .union((more) => {
          // The claim of an entry that is gone (its row dropped) owns nothing any more.
          more
            .select('room_id as id')
            .from(CLAIMS_TABLE)
            .whereIn('room_id', ids)
            .whereIn('link_key', db().select('link_key').from(LINKS_TABLE));
        });
      for (const row of found as Array<{ id: unknown }>) mine.add(String(row.id));
    }
    return mine;
  }

  async function clientOr400(field: 'roomId' | 'rooms') {
    const client = await getService(strapi, 'settings').getClient();
    if (!client) throw validationError([{ path: [field], message: 'no iFlyChat API key is set' }]);
    return client;
  }

  async function orphans(): Promise<ListOrphans.Response> {
    const client = await clientOr400('rooms');
    let rooms;
    try {
      rooms = await client.listRooms();
    } catch (error) {
      throw validationError([
        { path: ['rooms'], message: `cannot list the rooms: ${remoteFailure(error)}` },
      ]);
    }
    const mine = await owned(rooms.map((room) => room.roomId));
    const found: OrphanRoom[] = rooms
      .filter((room) => !mine.has(room.roomId))
      .map((room) => ({
        roomId: room.roomId,
        name: room.name,
        role: room.role,
        private: room.private,
      }));
    return {
      data: found.slice(0, MAX_ORPHANS),
      meta: { total: rooms.length, orphans: found.length },
    };
  }

  /**
   * Deletes a room no entry owns. The room is claimed for the deletion first, so that no editor
   * links it and no worker adopts it meanwhile; an owner found then refuses the deletion.
   */
  async function deleteOrphan(roomId: string, who: string): Promise<{ roomId: string }> {
    const client = await clientOr400('roomId');
    const claims = getService(strapi, 'sync').claims;
    try {
      await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        // A claim left by an entry that is gone (its row dropped) gives way.
        await trx(CLAIMS_TABLE)
          .where('room_id', roomId)
          .whereNotIn('link_key', trx.select('link_key').from(LINKS_TABLE))
          .whereNot('link_key', DELETING_KEY)
          .delete();
        await claims.claimRoom(roomId, DELETING_KEY, trx);
      });
    } catch (error) {
      if (error instanceof RoomOwnedError) throw roomIdError(`room ${roomId} belongs to an entry`);
      throw error;
    }
    try {
      if ((await owned([roomId])).has(roomId))
        throw roomIdError(`room ${roomId} belongs to an entry`);
      const listed = await client.listRooms().catch((error: unknown) => {
        throw roomIdError(`cannot check the room: ${remoteFailure(error)}`);
      });
      if (!listed.some((room) => room.roomId === roomId)) {
        throw roomIdError(`iFlyChat has no room ${roomId}`);
      }
      await client.deleteRoom(roomId).catch((error: unknown) => {
        throw roomIdError(`cannot delete the room: ${remoteFailure(error)}`);
      });
    } finally {
      await claims.releaseRoom(roomId, DELETING_KEY);
    }
    strapi.log.info(`[iflychat] orphan room ${roomId} deleted by ${who}`);
    return { roomId };
  }

  return { list, exportRows, retryFailed, orphans, deleteOrphan };
}

export type RoomsPageService = ReturnType<typeof createRoomsPageService>;
