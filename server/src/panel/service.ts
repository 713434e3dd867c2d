/**
 * What the Content Manager's room panel shows about one entry's room, and the editor's actions
 * on it: retry now, unlink, link to an existing room, recreate.
 *
 * The actions only change the link table and the entry's room id, and queue jobs; iFlyChat is
 * called by the worker, never inside the request (except to check a room id an editor typed).
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { RoomJobView, RoomStatus, RoomTarget } from '../../../contracts/rooms';
import { bindingFor } from '../config/bindings';
import { getService } from '../utils/get-service';
import { validationError } from '../utils/validation';
import { createRoomDesk, RoomBusyError, type RoomDesk, type RoomScope } from './desk';
import { describe } from '../utils/errors';
import type { LinkRow } from '../sync/links';
import { roomPerLocale } from '../sync/intake';
import { RoomOwnedError } from '../sync/room-claims';
import { ALL_LOCALES } from '../sync/room-links-keys';
import { publishedMembers } from '../tokens/member-changes';

function fieldError(path: string, message: string) {
  return validationError([{ path: [path], message }]);
}

/** The one refusal of an editor who may only link rooms the entry has had. */
const notThisEntrysRoom = (roomId: string) =>
  `room ${roomId} is not a room this entry has had; linking any other room needs the "Link any room to an entry" permission`;
const CHAT_OFF =
  "the entry's chat is off (its binding's enabled field is false), so it has no room";
const takenRoom = (roomId: string) => `room ${roomId} is another entry's room`;

const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);

/** The row as the panel shows it; `operation` is what the next run will do, as far as known. */
function jobView(link: LinkRow, binding: Binding, published: boolean): RoomJobView {
  const deleting = !published && link.roomId !== null && binding.onUnpublish === 'delete';
  const waiting = link.status === 'pending' || link.status === 'retrying';
  return {
    operation:
      link.retireRoomId && published
        ? 'recreate'
        : (deleting || link.retireRoomId) && waiting
          ? 'delete'
          : 'sync',
    status: link.status,
    roomId: link.roomId ?? link.retireRoomId,
    roomName: link.sent?.name ?? null,
    attempts: link.attempts,
    lastError: link.lastError,
    nextAttemptAt: waiting ? iso(link.dueAtMs) : null,
    syncedAt: iso(link.syncedAtMs),
  };
}

interface Resolved {
  target: RoomTarget;
  binding: Binding;
  /** The type is localized and its binding gives each locale its own room. */
  perLocale: boolean;
  /** The link row's key parts: the document, and the locale or `*`. */
  scope: RoomScope;
}

/** Which room a panel request is about: the binding, and the document or locale. */
function createResolver(strapi: Core.Strapi) {
  const settings = () => getService(strapi, 'settings');

  /** The binding and the room scope of a panel request; 400 when the type is not bound. */
  async function resolve(target: RoomTarget): Promise<Resolved | null> {
    const binding = bindingFor((await settings().get()).contentTypes, target.uid);
    if (!binding) return null;
    const perLocale = roomPerLocale(strapi, target.uid, binding);
    const locale = perLocale && target.locale ? target.locale : ALL_LOCALES;
    return {
      target,
      binding,
      perLocale,
      scope: {
        documentId: target.documentId,
        locale,
        contentType: target.uid,
        entryDocumentId: target.documentId,
        entryLocale: locale,
      },
    };
  }

  async function mustResolve(target: RoomTarget): Promise<Resolved> {
    const resolved = await resolve(target);
    if (!resolved) {
      throw fieldError('uid', `${target.uid} is not bound to iFlyChat`);
    }
    const { perLocale } = resolved;
    if (perLocale && !target.locale) {
      throw fieldError('locale', `is required: ${target.uid} has one room per locale`);
    }
    const exists = await strapi.db.query(target.uid).count({
      where: {
        documentId: target.documentId,
        ...(perLocale ? { locale: target.locale } : {}),
      },
    });
    if (exists === 0) {
      const which = perLocale ? ` in locale ${target.locale}` : '';
      throw fieldError(
        'documentId',
        `there is no ${target.uid} entry ${target.documentId}${which}`
      );
    }
    return resolved;
  }

  return { resolve, mustResolve };
}

/** A members-only room's member count (its published entry's), or null for another room. */
async function membersOf(strapi: Core.Strapi, resolved: Resolved): Promise<RoomStatus['members']> {
  const source = resolved.binding.roomRole;
  if (typeof source !== 'object' || !('members' in source)) return null;
  const { documentId, locale } = resolved.scope;
  const ids = await publishedMembers(
    strapi,
    resolved.target.uid,
    source.members,
    documentId,
    locale === ALL_LOCALES ? undefined : locale
  );
  return { count: ids.size, alsoRole: source.alsoRole ?? null };
}

export function createPanelService({ strapi }: { strapi: Core.Strapi }) {
  let made: RoomDesk | null = null;
  const desk = () => {
    const sync = getService(strapi, 'sync');
    made ??= createRoomDesk({ strapi, ...sync, wake: () => sync.wake() });
    return made;
  };
  const settings = () => getService(strapi, 'settings');
  const { resolve, mustResolve } = createResolver(strapi);

  const findLink = (resolved: Resolved) => desk().find(resolved.scope);

  async function status(target: RoomTarget): Promise<RoomStatus> {
    const resolved = await resolve(target);
    if (!resolved) {
      return {
        uid: target.uid,
        documentId: target.documentId,
        bound: false,
        roomPer: 'document',
        locale: null,
        published: false,
        chatOff: false,
        link: null,
        members: null,
      };
    }
    const link = await findLink(resolved);
    const published = await desk().isPublished(resolved.scope);
    const chatOff = published && !(await desk().hasChat(resolved.scope, resolved.binding));
    return {
      uid: target.uid,
      documentId: target.documentId,
      bound: true,
      roomPer: resolved.binding.roomPer,
      locale: resolved.scope.locale === ALL_LOCALES ? null : resolved.scope.locale,
      published,
      chatOff,
      link: link && !link.unlinked ? jobView(link, resolved.binding, published && !chatOff) : null,
      members: await membersOf(strapi, resolved),
    };
  }

  /**
   * Whether this editor may link the entry to `roomId`, and whose stale claim the link takes
   * over. Every entry may link a room it has or had; any other room needs `rooms.link-any`.
   * Refusals say nothing about the room: the same words whether it exists, belongs to another
   * entry or never did, and no entry named.
   */
  async function mayLink(resolved: Resolved, roomId: string, anyRoom: boolean) {
    const claim = await desk().claimOf(resolved.scope, roomId);
    if (claim.kind === 'self') return { staleKey: null };
    if (!anyRoom) throw fieldError('roomId', notThisEntrysRoom(roomId));
    if (claim.kind === 'holder') throw fieldError('roomId', takenRoom(roomId));
    return { staleKey: claim.kind === 'stale' ? claim.key : null };
  }

  return {
    status,

    /**
     * Retry now: a failed or waiting job runs at once (a delete stays a delete); a room that
     * exists is checked against the entry again; a published entry without a room gets one.
     */
    async retry(target: RoomTarget): Promise<RoomStatus> {
      const resolved = await mustResolve(target);
      const link = await findLink(resolved);
      if (link?.status === 'processing') throw new RoomBusyError('retry');
      // A room that exists can be retried whatever the entry (its policy may delete it); a
      // room to make needs a published entry.
      const makesRoom = !link?.roomId;
      if (makesRoom && !(await desk().isPublished(resolved.scope))) {
        throw fieldError('documentId', 'the entry is not published, so there is no room to make');
      }
      if (makesRoom && !(await desk().hasChat(resolved.scope, resolved.binding))) {
        throw fieldError('documentId', CHAT_OFF);
      }
      await desk().retry(resolved.scope, link);
      return status(target);
    },

    /**
     * Unlink: the entry forgets its room; the room stays in iFlyChat. The row stays, marked
     * `unlinked`, so that the sweep does not give the entry a new room behind the editor's back;
     * Retry now, Link or a new publish does.
     */
    async unlink(target: RoomTarget): Promise<RoomStatus> {
      const resolved = await mustResolve(target);
      const link = await findLink(resolved);
      if (!link || link.unlinked) {
        throw fieldError('documentId', 'the entry has no room to unlink');
      }
      await desk().unlink(link, resolved.binding.roomIdField);
      strapi.log.info(
        `[iflychat] room ${link.roomId ?? '(none)'} unlinked from ${target.uid} ${target.documentId}`
      );
      return status(target);
    },

    /**
     * Link to an existing room: one this entry has had, or (`anyRoom`: the `rooms.link-any`
     * permission) one no other entry has now. Checked with iFlyChat (it must exist) and by the
     * claims table (no two entries share a room). The room's current name and flags are
     * recorded, so that the next publish edits it only if the entry asks for something else.
     */
    async link(
      target: RoomTarget & { roomId: string },
      { anyRoom }: { anyRoom: boolean }
    ): Promise<RoomStatus> {
      const resolved = await mustResolve(target);
      const link = await findLink(resolved);
      const published = await desk().isPublished(resolved.scope);
      if (!published && resolved.binding.onUnpublish === 'delete') {
        throw fieldError(
          'documentId',
          'the entry is not published, and its binding deletes the rooms of unpublished entries'
        );
      }
      if (published && !(await desk().hasChat(resolved.scope, resolved.binding))) {
        throw fieldError('documentId', CHAT_OFF);
      }
      const { staleKey } = await mayLink(resolved, target.roomId, anyRoom);
      const client = await settings().getClient();
      if (!client) {
        throw fieldError('roomId', 'cannot check the room: no iFlyChat API key is set');
      }
      let rooms;
      try {
        rooms = await client.listRooms();
      } catch (error) {
        throw fieldError('roomId', `cannot check the room with iFlyChat: ${describe(error)}`);
      }
      const room = rooms.find((candidate) => candidate.roomId === target.roomId);
      if (!room) throw fieldError('roomId', `iFlyChat has no room ${target.roomId}`);

      const field = resolved.binding.roomIdField;
      try {
        await desk().link(resolved.scope, link, room, field, staleKey);
      } catch (error) {
        // Another editor linked it meanwhile: the database refused a second owner.
        if (!(error instanceof RoomOwnedError)) throw error;
        throw fieldError('roomId', takenRoom(room.roomId));
      }
      strapi.log.info(
        `[iflychat] room ${room.roomId} linked to ${target.uid} ${target.documentId}`
      );
      return status(target);
    },

    /** Recreate: the worker deletes the room and makes a new one for the published entry. */
    async recreate(target: RoomTarget): Promise<RoomStatus> {
      const resolved = await mustResolve(target);
      const link = await findLink(resolved);
      if (!link?.roomId) throw fieldError('documentId', 'the entry has no room to recreate');
      if (!(await desk().isPublished(resolved.scope))) {
        throw fieldError(
          'documentId',
          'the entry is not published, so its room cannot be made again'
        );
      }
      if (!(await desk().hasChat(resolved.scope, resolved.binding))) {
        throw fieldError('documentId', CHAT_OFF);
      }
      await desk().recreate(link);
      return status(target);
    },
  };
}

export type PanelService = ReturnType<typeof createPanelService>;
