/**
 * The room desk: the narrow interface the room panel (`service.ts`) works through. Each editor's
 * action is one compare-and-set of a link row that no worker holds (`409` otherwise), which also
 * marks it: the worker then brings the room in line, as for any other mark.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import type { Binding } from '../../../contracts/config';
import { emitRoomEvent } from '../events/room-events';
import type { RoomSummary } from '../iflychat/client';
import type { Entries } from '../sync/entries';
import { LINKS_TABLE, type LinkRow, type Links } from '../sync/links';
import { RoomOwnedError, type RoomClaims } from '../sync/room-claims';
import { chatEnabled } from '../rooms/params';
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

/** Who holds a room id's claim, as the panel's Link needs to know it. */
export type RoomClaim = { kind: 'none' | 'self' | 'holder' } | { kind: 'stale'; key: string };

/** Whether a link row has this room now (or is about to delete it). */
const hasRoom = (row: Pick<LinkRow, 'roomId' | 'retireRoomId'>, roomId: string) =>
  row.roomId === roomId || row.retireRoomId === roomId;

export function createRoomDesk({ strapi, links, claims, entries, wake }: DeskDeps) {
  const busyUnless = (changed: boolean, action: string) => {
    if (!changed) throw new RoomBusyError(action);
  };
  const keyOf = (scope: RoomScope) => linkKeyOf(scope.contentType, scope.documentId, scope.locale);

  /**
   * Gives up the claim a row holds on a room it no longer has, in the link's transaction. The
   * row is read locked (PostgreSQL, MySQL): if that entry linked the room back meanwhile, the
   * claim stays and {@link RoomOwnedError} rolls the link back.
   */
  async function freeStaleClaim(roomId: string, key: string, trx: Knex.Transaction) {
    const query = trx(LINKS_TABLE).where('link_key', key).select('room_id', 'retire_room_id');
    const locked = String(strapi.db.dialect.client) === 'sqlite' ? query : query.forUpdate();
    type Ids = { room_id: string | number | null; retire_room_id: string | number | null };
    const [row] = (await locked) as Ids[];
    const text = (value: string | number | null) => (value === null ? null : String(value));
    if (
      row &&
      hasRoom({ roomId: text(row.room_id), retireRoomId: text(row.retire_room_id) }, roomId)
    ) {
      throw new RoomOwnedError(roomId);
    }
    await claims.releaseRoom(roomId, key, trx);
  }

  return {
    find: (scope: RoomScope): Promise<LinkRow | null> => links.byKey(keyOf(scope)),

    isPublished: (scope: RoomScope): Promise<boolean> => entries.isPublished(scope),

    /** Whether the entry is published with its chat on (the binding's `enabled` field). */
    async hasChat(scope: RoomScope, binding: Binding): Promise<boolean> {
      if (typeof binding.enabled !== 'object') return entries.isPublished(scope);
      const [{ published }] = await entries.presentAll(scope.contentType, [scope], binding);
      return published !== null && chatEnabled(binding, published);
    },

    /**
     * Who a room id belongs to: `self` when this entry holds its claim (it has or had the room),
     * `holder` when another entry has it now, `stale` (with that claim's key) when the claim is
     * left from an entry that no longer has the room (deleted, unlinked or moved on), `none`.
     */
    async claimOf(scope: RoomScope, roomId: string): Promise<RoomClaim> {
      const key = await claims.ownerOf(roomId);
      if (!key) return { kind: 'none' };
      if (key === keyOf(scope)) return { kind: 'self' };
      const owner = await links.byKey(key);
      return owner && hasRoom(owner, roomId) ? { kind: 'holder' } : { kind: 'stale', key };
    },

    /** Runs the entry's room again now, with a fresh count of attempts (a new row if none). */
    async retry(scope: RoomScope, link: LinkRow | null): Promise<void> {
      if (link) {
        busyUnless(await links.change(link, { unlinked: false, resetFailures: true }), 'retry');
      } else await links.mark(scope.contentType, [scope], { publish: true });
      wake();
    },

    /**
     * The entry forgets its room (kept in iFlyChat) until it is published again or linked. Its
     * claim on the room stays: no other entry takes the room without an administrator's Link,
     * and this entry may link it again.
     */
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
    async link(
      scope: RoomScope,
      link: LinkRow | null,
      room: RoomSummary,
      field: string,
      staleKey: string | null
    ) {
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
          // The row first: its lock orders this link after another one of the same row. The
          // room this entry had before stays claimed by it (it may link it again).
          if (link) busyUnless(await links.change(link, change, trx), 'link');
          else await links.insert(scope.contentType, scope, change, trx);
          if (staleKey) await freeStaleClaim(room.roomId, staleKey, trx);
          await claims.claimRoom(room.roomId, keyOf(scope), trx);
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
