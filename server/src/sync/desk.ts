/**
 * The room desk: the narrow interface the room panel (`panel.ts`) works through. Each editor's
 * action is one change of a link row that no job holds (`409` otherwise), made here next to the
 * runner's own, with the same claims on room ids and the same room events.
 */
import type { Core } from '@strapi/strapi';

import { emitRoomEvent } from '../events/room-events';
import type { RoomSummary } from '../iflychat/client';
import type { Entries } from './entries';
import { requeuePatch } from './job-state';
import {
  ALL_LOCALES,
  isUniqueViolation,
  RoomOwnedError,
  type LinkTarget,
  type RoomLink,
  type RoomLinks,
} from './room-links';

/** An action on a room whose job is running right now (HTTP 409). */
export class RoomBusyError extends Error {
  constructor(action: string) {
    super(`the room is being worked on right now; ${action} again in a moment`);
    this.name = 'RoomBusyError';
  }
}

/** The entry (or locale of it) a room belongs to. */
export interface RoomScope extends LinkTarget {
  contentType: string;
  entryDocumentId: string;
  entryLocale: string;
}

export interface DeskDeps {
  strapi: Core.Strapi;
  links: RoomLinks;
  entries: Entries;
  wake: () => void;
}

export function createRoomDesk({ strapi, links, entries, wake }: DeskDeps) {
  const busyUnless = (changed: boolean, action: string) => {
    if (!changed) throw new RoomBusyError(action);
  };
  const localeOf = (scope: RoomScope) =>
    scope.entryLocale === ALL_LOCALES ? null : scope.entryLocale;

  return {
    find: (scope: RoomScope): Promise<RoomLink | null> =>
      links.findOne(scope.contentType, scope.documentId, scope.locale),

    isPublished: (scope: RoomScope): Promise<boolean> => entries.isPublished(scope),

    /** The entry that owns a room id, if any. */
    ownerOf: (roomId: string) => links.findByRoomId(roomId),

    /** Runs the entry's job now (a failed delete stays a delete), or queues a new room. */
    async retry(scope: RoomScope, link: RoomLink | null): Promise<void> {
      if (link) {
        busyUnless(link.status !== 'processing', 'retry');
        busyUnless(await links.change(link, requeuePatch(links.now())), 'retry');
      } else {
        await links.queue(scope.contentType, [scope], { retryFailed: true });
      }
      wake();
    },

    /** The entry forgets its room (kept in iFlyChat); the row stays, marked `unlinked`. */
    async unlink(link: RoomLink, field: string): Promise<void> {
      await strapi.db.transaction(async () => {
        busyUnless(
          await links.change(link, {
            operation: 'sync',
            status: 'unlinked',
            roomId: null,
            roomName: null,
            roomRole: null,
            roomPrivate: null,
            roomModerate: null,
            attempts: 0,
            runAgain: false,
            lastError: null,
            mayHaveCreated: false,
            nextAttemptAt: null,
            syncedAt: links.now(),
          }),
          'unlink'
        );
        if (link.roomId) await links.releaseRoom(link.roomId, link.linkKey);
        await entries.writeBack(link, field, null);
      });
    },

    /**
     * Links the entry to an existing room (already checked with iFlyChat), recording its real
     * state. The database's unique key on the room id refuses a room another entry owns, even
     * when two editors link the same room at the same moment: throws {@link RoomOwnedError}.
     */
    async link(scope: RoomScope, link: RoomLink | null, room: RoomSummary, field: string) {
      const data = {
        operation: 'sync' as const,
        status: 'created' as const,
        roomId: room.roomId,
        roomName: room.name,
        roomRole: room.role,
        roomPrivate: room.private,
        roomModerate: room.moderate,
        attempts: 0,
        runAgain: false,
        lastError: null,
        mayHaveCreated: false,
        nextAttemptAt: null,
        leaseExpiresAt: null,
        syncedAt: links.now(),
      };
      const key = `${scope.contentType}:${scope.documentId}:${scope.locale}`;
      try {
        await strapi.db.transaction(async () => {
          await links.claimRoom(room.roomId, key);
          if (link) {
            busyUnless(await links.change(link, data), 'link');
            if (link.roomId && link.roomId !== room.roomId) {
              await links.releaseRoom(link.roomId, link.linkKey);
            }
          } else {
            await links.insertLinked(scope.contentType, scope, data);
          }
          await entries.writeBack(scope, field, room.roomId);
        });
      } catch (error) {
        // A job made this entry's row in the meantime.
        if (isUniqueViolation(error) && !(error instanceof RoomOwnedError)) {
          throw new RoomBusyError('link');
        }
        throw error;
      }
      // Linking an entry to the room it already has changes nothing: no event.
      if (link?.roomId === room.roomId) return;
      emitRoomEvent(strapi, link?.roomId ? 'updated' : 'created', {
        uid: scope.contentType,
        documentId: scope.documentId,
        locale: localeOf(scope),
        roomId: room.roomId,
      });
    },

    /** The runner deletes the room and makes a new one. */
    async recreate(link: RoomLink): Promise<void> {
      busyUnless(
        await links.change(link, {
          operation: 'recreate',
          ...requeuePatch(links.now()),
          lastError: null,
        }),
        'recreate'
      );
      wake();
    },
  };
}

export type RoomDesk = ReturnType<typeof createRoomDesk>;
