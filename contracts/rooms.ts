/**
 * The admin API behind the Content Manager's room panel: what the panel shows about one entry's
 * room, and the actions an editor with `rooms.manage` can take on it.
 *
 * Routes (all under `/iflychat`, admin only):
 * - `GET  /rooms?uid=&documentId=&locale=`         → `{ data: RoomStatus }` (content-manager read on uid)
 * - `POST /rooms/retry`    `{ uid, documentId, locale? }`          (rooms.manage)
 * - `POST /rooms/unlink`   `{ uid, documentId, locale? }`          (rooms.manage)
 * - `POST /rooms/link`     `{ uid, documentId, locale?, roomId }`  (rooms.manage)
 * - `POST /rooms/recreate` `{ uid, documentId, locale? }`          (rooms.manage)
 * Every action answers `{ data: RoomStatus }` as it stands after the action.
 */
import { z } from 'zod';

/** What a room job does: create the room (or edit it to match the entry), or delete it. */
export const ROOM_OPERATIONS = ['sync', 'delete', 'recreate'] as const;
export type RoomOperation = (typeof ROOM_OPERATIONS)[number];

/**
 * `unlinked`: an editor unlinked the room; the entry has none until Retry now, Link or a new
 * publish (the panel shows it as "no room": `link` is null).
 */
export const LINK_STATUSES = [
  'pending',
  'processing',
  'retrying',
  'created',
  'failed',
  'unlinked',
] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** The entry a panel request is about. `locale` is the edit view's locale (i18n types). */
export const roomTargetSchema = z.object({
  uid: z
    .string({ error: 'is required' })
    .regex(
      /^(api|plugin)::[\w-]+\.[\w-]+$/,
      'must be a content type uid such as api::community.community'
    ),
  documentId: z.string({ error: 'is required' }).trim().min(1, 'is required').max(64),
  locale: z.string().trim().min(1).max(32).optional().nullable(),
});
export type RoomTarget = z.output<typeof roomTargetSchema>;

/** iFlyChat room ids are positive integers. */
export const linkRoomSchema = roomTargetSchema.extend({
  roomId: z
    .union([z.string(), z.number()], { error: 'must be an iFlyChat room id such as 1042' })
    .transform((value) => String(value).trim())
    .refine((value) => /^[1-9]\d{0,18}$/.test(value), 'must be an iFlyChat room id such as 1042'),
});

export interface RoomJobView {
  operation: RoomOperation;
  status: LinkStatus;
  roomId: string | null;
  /** The room name as last sent to iFlyChat; null when unknown (a room linked by hand). */
  roomName: string | null;
  attempts: number;
  /** Why the last attempt failed (a readable sentence), if it did. */
  lastError: string | null;
  /** ISO time of the next attempt (retrying, pending). */
  nextAttemptAt: string | null;
  /** ISO time of the last attempt that finished (created, failed). */
  syncedAt: string | null;
}

export interface RoomStatus {
  uid: string;
  documentId: string;
  /** False when the content type is not bound: the panel shows nothing. */
  bound: boolean;
  /** Whether the room belongs to the whole document or to this locale. */
  roomPer: 'document' | 'locale';
  /** The locale whose room this is; null when the whole document shares one room. */
  locale: string | null;
  /** Whether the entry (in that locale, or in any locale) is published now. */
  published: boolean;
  /**
   * Published, but its chat is off (the binding's `enabled` field is false): the entry has no
   * room, as if unpublished.
   */
  chatOff: boolean;
  /** The room job, or null when the entry has no room and none is on its way. */
  link: RoomJobView | null;
  /**
   * A members-only room: how many users the published entry lists, and the role type whose
   * users enter too; null for a room of a site role or of everyone.
   */
  members: { count: number; alsoRole: string | null } | null;
}

export declare namespace GetRoomStatus {
  interface Response {
    data: RoomStatus;
  }
}
