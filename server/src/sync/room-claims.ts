/**
 * Room claims: which link row owns an iFlyChat room id. The claims table's unique key on the
 * room id is what makes "one room, one entry" hold on every database, even for two requests at
 * the same moment on PostgreSQL or MySQL: the second insert is refused by the database.
 *
 * A separate table rather than a unique index on the link rows' room id: an existing site can
 * hold the same room id twice (another iFlyChat account, an emulator restart), and a unique
 * index on that column would stop Strapi at startup.
 */
import type { Core } from '@strapi/strapi';

import { ROOM_CLAIM_UID, ROOM_LINK_UID } from '../content-types';
import { isUniqueViolation } from './room-links-keys';

/** A room id another link row owns: the database refused a second owner. */
export class RoomOwnedError extends Error {
  constructor(readonly roomId: string) {
    super(`room ${roomId} belongs to another entry`);
    this.name = 'RoomOwnedError';
  }
}

export function createRoomClaims(strapi: Core.Strapi) {
  const claims = () => strapi.db.query(ROOM_CLAIM_UID);
  const links = () => strapi.db.query(ROOM_LINK_UID);

  async function claimOwner(roomId: string): Promise<string | null> {
    const [owner] = (await claims().findMany({
      where: { roomId },
      select: ['linkKey'],
      limit: 1,
    })) as Array<{ linkKey: string }>;
    return owner?.linkKey ?? null;
  }

  /**
   * Records that `linkKey` owns `roomId`. The unique key on the room id refuses a second owner
   * (on every database): throws {@link RoomOwnedError}. Inside a transaction the refusal aborts
   * it, so nothing else of the change is written.
   */
  async function claimRoom(roomId: string, linkKey: string): Promise<void> {
    const owner = await claimOwner(roomId);
    if (owner === linkKey) return;
    if (owner) throw new RoomOwnedError(roomId);
    try {
      await claims().create({ data: { roomId, linkKey } });
    } catch (error) {
      if (isUniqueViolation(error)) throw new RoomOwnedError(roomId);
      throw error;
    }
  }

  return {
    claimRoom,

    /** `linkKey` no longer owns `roomId`. */
    async releaseRoom(roomId: string, linkKey: string): Promise<void> {
      await claims().deleteMany({ where: { roomId, linkKey } });
    },

    /** The link key that owns a room id, if any (claims first, then the link rows). */
    async ownerOf(roomId: string): Promise<string | null> {
      const claimed = await claimOwner(roomId);
      if (claimed) return claimed;
      const [row] = (await links().findMany({
        where: { roomId },
        select: ['linkKey'],
        limit: 1,
      })) as Array<{ linkKey: string }>;
      return row?.linkKey ?? null;
    },
  };
}

export type RoomClaims = ReturnType<typeof createRoomClaims>;
