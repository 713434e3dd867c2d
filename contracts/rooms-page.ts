/**
 * The admin API behind the Rooms page: every bound entry's room on one list, the rooms in
 * iFlyChat that no entry owns, and the bulk actions a community manager takes on them.
 *
 * Routes (all under `/iflychat`, admin only):
 * - `GET  /rooms/list?filter=&uid=&q=&sort=&order=&page=&pageSize=` → `{ data, meta }` (rooms.read)
 * - `GET  /rooms/export?filter=&uid=&q=&sort=&order=`   → `text/csv` (rooms.read)
 * - `POST /rooms/retry-failed` `{ uid? }`                 → `{ data: RetryFailedResult }`, at most
 *   RETRY_FAILED_LIMIT rooms a request (rooms.read + rooms.manage)
 * - `GET  /rooms/orphans`                                 → `{ data: OrphanRoom[], meta }` (rooms.read)
 * - `POST /rooms/orphans/delete` `{ roomId }`             → `{ data: { roomId } }` (rooms.read + rooms.manage)
 */
import { z } from 'zod';

import { linkRoomSchema, type LinkStatus } from './rooms';

/** What the list can be narrowed to. */
export const ROOM_FILTERS = ['all', 'failed', 'retrying', 'noRoom', 'unpublishedWithRoom'] as const;
export type RoomFilter = (typeof ROOM_FILTERS)[number];

/** The columns the list sorts on, each backed by an index of the link table. */
export const ROOM_SORTS = [
  'id',
  'contentType',
  'roomId',
  'status',
  'attempts',
  'syncedAt',
] as const;
export type RoomSort = (typeof ROOM_SORTS)[number];

export const MAX_PAGE_SIZE = 100;
/**
 * The most failed rooms one Retry failed queues again: those whose last attempt is the oldest,
 * so that pressing it again takes the next ones, not the same ones failing again.
 */
export const RETRY_FAILED_LIMIT = 200;
/** The most rows one CSV export holds. */
export const MAX_EXPORT_ROWS = 100_000;

const uid = z
  .string()
  .regex(
    /^(api|plugin)::[\w-]+\.[\w-]+$/,
    'must be a content type uid such as api::community.community'
  );

/** A whole number from `min` to `max` in a query string, `fallback` when absent. */
export const whole = (min: number, max: number, fallback: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((value, context) => {
      if (value === undefined || value === '') return fallback;
      const number = Number(value);
      if (!Number.isInteger(number) || number < min || number > max) {
        context.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return number;
    });

/** The list's filters and order (also the CSV export's, without the page). */
export const roomQuerySchema = z.object({
  filter: z
    .enum(ROOM_FILTERS, { error: `must be one of ${ROOM_FILTERS.join(', ')}` })
    .default('all'),
  uid: uid.optional(),
  q: z.string().trim().max(100, 'must be at most 100 characters').optional(),
  sort: z.enum(ROOM_SORTS, { error: `must be one of ${ROOM_SORTS.join(', ')}` }).default('id'),
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
});
export type RoomQuery = z.output<typeof roomQuerySchema>;

export const roomListSchema = roomQuerySchema.extend({
  page: whole(1, 100_000, 1),
  pageSize: whole(1, MAX_PAGE_SIZE, 25),
});
export type RoomListQuery = z.output<typeof roomListSchema>;

export const retryFailedSchema = z.object({ uid: uid.optional() });

/** The room to delete: an iFlyChat room id, as the room panel's Link takes it. */
export const orphanDeleteSchema = z.object({ roomId: linkRoomSchema.shape.roomId });

/** One row of the list: an entry (or locale of it) and its room. */
export interface RoomRow {
  id: number;
  uid: string;
  /** The content type's display name; the uid when the type no longer exists. */
  typeName: string;
  kind: 'collectionType' | 'singleType' | null;
  documentId: string;
  /** The room's locale; null when the whole document shares one room. */
  locale: string | null;
  /** The entry's title (its Content Manager main field); null when hidden or gone. */
  title: string | null;
  /** Whether the entry (in that locale, or in any) is published now; null for a gone type. */
  published: boolean | null;
  roomId: string | null;
  status: LinkStatus;
  attempts: number;
  lastError: string | null;
  /** ISO time of the last attempt that finished. */
  syncedAt: string | null;
}

export declare namespace ListRooms {
  interface Response {
    data: RoomRow[];
    meta: { pagination: { page: number; pageSize: number; pageCount: number; total: number } };
  }
}

export interface RetryFailedResult {
  /** Failed rooms queued to run again now. */
  retried: number;
  /** Failed rooms a worker held or changed meanwhile: left as they are. */
  busy: number;
  /** Failed rooms still failed after this request (past the limit, or busy): retry again. */
  remaining: number;
}

/** A room in iFlyChat that no entry owns. */
export interface OrphanRoom {
  roomId: string;
  name: string;
  role: string;
  private: boolean;
}

export declare namespace ListOrphans {
  interface Response {
    data: OrphanRoom[];
    /** `total`: rooms iFlyChat listed; `shown`: orphans answered (at most MAX_ORPHANS). */
    meta: { total: number; orphans: number };
  }
}

/** The most orphan rooms one answer lists. */
export const MAX_ORPHANS = 1000;
