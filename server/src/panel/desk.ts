/**
 * The room desk: the narrow interface the room panel (`service.ts`) works through. Each editor's
 * action is one compare-and-set of a link row that no worker holds (`409` otherwise), which also
 * marks it: the worker then brings the room in line, as for any other mark.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import { emitRoomEvent } from '../events/room-events';
import type { RoomSummary } from '../iflychat/client';
import type { Entries } from '../sync/entries';
import type { LinkRow, Links } from '../sync/links';
import { RoomOwnedError, type RoomClaims } from '../sync/room-claims';
import {
  ALL_LOCALES,
  isUniqueViolation,
  linkKeyOf,
  type LinkTarget,
} from '../sync/room-links-keys';

/** An action on a room a worker holds right now, or that changed since it was read (409). */
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
  links: Links;
  claims: RoomClaims;
  entries: Entries;
  wake: () => void;
}

export function createRoomDesk({ strapi, links, claims, entries, wake }: DeskDeps) {
  const busyUnless = (changed: boolean, action: string) => {
    if (!changed) throw new RoomBusyError(action);
  };
  const keyOf = (scope: RoomScope) => linkKeyOf(scope.contentType, scope.documentId, scope.locale);

  return {
    find: (scope: RoomScope): Promise<LinkRow | null> => links.byKey(keyOf(scope)),

    isPublished: (scope: RoomScope): Promise<boolean> => entries.isPublished(scope),

    /** The entry that owns a room id, if any. */
    async ownerOf(roomId: string): Promise<LinkRow | null> {
      const key = await claims.ownerOf(roomId);
      return key ? links.byKey(key) : null;
    },

    /** Runs the entry's room again now, with a fresh count of attempts (a new row if none). */
    async retry(scope: RoomScope, link: LinkRow | null): Promise<void> {
      if (link) {
        busyUnless(await links.change(link, { unlinked: false, resetFailures: true }), 'retry');
      } else await links.mark(scope.contentType, [scope], { publish: true });
      wake();
    },

    /** The entry forgets its room (kept in iFlyChat) until it is published again or linked. */
    async unlink(link: LinkRow, field: string): Promise<void> {
      await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        busyUnless(
          await links.change(
            link,
            { room: { roomId: null, sent: null }, unlinked: true, resetFailures: true },
            trx
          ),
          'unlink'
        );
        if (link.roomId) await claims.releaseRoom(link.roomId, link.linkKey, trx);
        await entries.writeBack(link, field, null, trx);
      });
      wake();
    },

    /**
     * Links the entry to an existing room (already checked with iFlyChat), recording its real
     * state; the worker then edits it if the entry asks for something else. The unique key on
     * the room id refuses a room another entry owns, even for two editors at the same moment:
     * throws {@link RoomOwnedError}.
     */
    async link(scope: RoomScope, link: LinkRow | null, room: RoomSummary, field: string) {
      const change = {
        room: {
          roomId: room.roomId,
          sent: {
            name: room.name,
            role: room.role,
            private: room.private,
            moderate: room.moderate,
          },
        },
        unlinked: false,
        resetFailures: true,
        // The entry has this room now; the worker edits it if the entry asks for another.
        status: 'created' as const,
      };
      try {
        await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
          await claims.claimRoom(room.roomId, keyOf(scope), trx);
          if (link) {
            busyUnless(await links.change(link, change, trx), 'link');
            if (link.roomId && link.roomId !== room.roomId) {
              await claims.releaseRoom(link.roomId, link.linkKey, trx);
            }
          } else {
            await links.insert(scope.contentType, scope, change, trx);
          }
          await entries.writeBack(scope, field, room.roomId, trx);
        });
      } catch (error) {
        // A worker made this entry's row in the meantime.
        if (isUniqueViolation(error) && !(error instanceof RoomOwnedError)) {
          throw new RoomBusyError('link');
        }
        throw error;
      }
      wake();
      // Linking an entry to the room it already has changes nothing: no event.
      if (link?.roomId === room.roomId) return;
      emitRoomEvent(strapi, link?.roomId ? 'updated' : 'created', {
        uid: scope.contentType,
        documentId: scope.documentId,
        locale: scope.entryLocale === ALL_LOCALES ? null : scope.entryLocale,
        roomId: room.roomId,
      });
    },

    /** The worker deletes the room (recorded first as the one to retire) and makes a new one. */
    async recreate(link: LinkRow): Promise<void> {
      busyUnless(
        await links.change(link, {
          retireRoomId: link.roomId,
          room: { roomId: null, sent: null },
          resetFailures: true,
        }),
        'recreate'
      );
      wake();
    },
  };
}

export type RoomDesk = ReturnType<typeof createRoomDesk>;
