import type { Core } from '@strapi/strapi';
import { describe } from '../utils/errors';

/**
 * Room events, for Strapi's webhooks (Settings → Webhooks) and for code that listens on
 * `strapi.eventHub`. A statically built front end needs them: the room id lands on an entry
 * after Strapi's own `entry.publish` has been sent.
 *
 * The job runner calls `emitRoomEvent` once per change, after the change is committed.
 */
export const ROOM_EVENTS = {
  IFLYCHAT_ROOM_CREATED: 'iflychat-room.created',
  IFLYCHAT_ROOM_UPDATED: 'iflychat-room.updated',
  IFLYCHAT_ROOM_DELETED: 'iflychat-room.deleted',
  IFLYCHAT_ROOM_FAILED: 'iflychat-room.failed',
} as const;

export type RoomEventKind = 'created' | 'updated' | 'deleted' | 'failed';

export interface RoomEventPayload {
  uid: string;
  documentId: string;
  /** The entry's locale for one room per language, `null` for one room per document. */
  locale: string | null;
  roomId: string | null;
  /** Why the job failed (`failed` only); written by the plugin, never a remote body. */
  reason?: string;
}

const NAMES: Record<RoomEventKind, string> = {
  created: ROOM_EVENTS.IFLYCHAT_ROOM_CREATED,
  updated: ROOM_EVENTS.IFLYCHAT_ROOM_UPDATED,
  deleted: ROOM_EVENTS.IFLYCHAT_ROOM_DELETED,
  failed: ROOM_EVENTS.IFLYCHAT_ROOM_FAILED,
};

/** Makes the events selectable for webhooks. Called once from `bootstrap`. */
export function registerRoomEvents(strapi: Core.Strapi): void {
  const store: { addAllowedEvent(key: string, value: string): void } = strapi.get('webhookStore');
  for (const [key, value] of Object.entries(ROOM_EVENTS)) store.addAllowedEvent(key, value);
}

/** Sends one room event. Never throws into the caller: a failing listener is logged. */
export function emitRoomEvent(
  strapi: Core.Strapi,
  kind: RoomEventKind,
  payload: RoomEventPayload
): void {
  const name = NAMES[kind];
  const body: RoomEventPayload = {
    uid: payload.uid,
    documentId: payload.documentId,
    locale: payload.locale,
    roomId: payload.roomId,
    ...(payload.reason === undefined ? {} : { reason: payload.reason }),
  };
  strapi.eventHub.emit(name, body).catch((error: unknown) => {
    strapi.log.warn(`[iflychat] a listener of ${name} failed: ${describe(error)}`);
  });
}
