/**
 * Room claims: which link row owns an iFlyChat room id. The claims table's unique key on the
 * room id is what makes "one room, one entry" hold on every database, even for two requests at
 * the same moment on PostgreSQL or MySQL: the second insert is refused by the database.
 *
 * A separate table rather than a unique index on the link rows' room id: an existing site can
 * hold the same room id twice (another iFlyChat account, an emulator restart), and a unique
 * index on that column would stop Strapi at startup. Claims start empty and are filled once.
 */
import type { Core } from '@strapi/strapi';

import { ROOM_CLAIM_UID, ROOM_LINK_UID } from '../content-types';
import { PLUGIN_ID } from '../utils/get-service';
import { isUniqueViolation } from './room-links-keys';

const BACKFILLED_KEY = 'room-claims-backfilled';

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

  /** Claims one page of existing rooms: the ones not claimed yet, first row first. */
  async function claimPage(rows: Array<{ linkKey: string; roomId: string }>): Promise<number> {
    const taken = new Set(
      (
        (await claims().findMany({
          where: { roomId: { $in: rows.map((row) => row.roomId) } },
          select: ['roomId'],
        })) as Array<{ roomId: string }>
      ).map((claim) => claim.roomId)
    );
    const fresh = new Map<string, string>();
    for (const row of rows)
      if (!taken.has(row.roomId) && !fresh.has(row.roomId)) fresh.set(row.roomId, row.linkKey);
    if (fresh.size === 0) return 0;
    const data = [...fresh].map(([roomId, linkKey]) => ({ roomId, linkKey }));
    try {
      await claims().createMany({ data });
      return data.length;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    let claimed = 0;
    for (const claim of data) {
      try {
        await claimRoom(claim.roomId, claim.linkKey);
        claimed += 1;
      } catch (error) {
        if (!(error instanceof RoomOwnedError)) throw error;
      }
    }
    return claimed;
  }

  return {
    claimRoom,

    /**
     * `claimRoom` for a batch: one read, one insert. Throws {@link RoomOwnedError} when any of
     * the rooms is another link's (the caller then claims them one by one).
     */
    async claimRooms(pairs: Array<{ roomId: string; linkKey: string }>): Promise<void> {
      if (pairs.length === 0) return;
      const owners = (await claims().findMany({
        where: { roomId: { $in: pairs.map((pair) => pair.roomId) } },
        select: ['roomId', 'linkKey'],
      })) as Array<{ roomId: string; linkKey: string }>;
      const ownerOf = new Map(owners.map((owner) => [owner.roomId, owner.linkKey]));
      const fresh = new Map<string, string>();
      for (const { roomId, linkKey } of pairs) {
        const owner = ownerOf.get(roomId) ?? fresh.get(roomId);
        if (owner && owner !== linkKey) throw new RoomOwnedError(roomId);
        if (!owner) fresh.set(roomId, linkKey);
      }
      if (fresh.size === 0) return;
      try {
        await claims().createMany({
          data: [...fresh].map(([roomId, linkKey]) => ({ roomId, linkKey })),
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new RoomOwnedError([...fresh.keys()].join(', '));
        throw error;
      }
    },

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

    /**
     * Gives every link row holding a room id its claim, once per database (rows from before
     * claims existed). Of two rows holding the same id, the older one gets it.
     */
    async claimExistingRooms(pageSize: number): Promise<number> {
      const store = strapi.store({ type: 'plugin', name: PLUGIN_ID });
      if (await store.get({ key: BACKFILLED_KEY })) return 0;
      let lastId = 0;
      let claimed = 0;
      for (;;) {
        const rows = (await links().findMany({
          where: { id: { $gt: lastId }, roomId: { $notNull: true } },
          select: ['id', 'linkKey', 'roomId'],
          orderBy: { id: 'asc' },
          limit: pageSize,
        })) as Array<{ id: number; linkKey: string; roomId: string }>;
        if (rows.length === 0) break;
        lastId = rows[rows.length - 1].id;
        claimed += await claimPage(rows);
      }
      await store.set({ key: BACKFILLED_KEY, value: true });
      return claimed;
    },
  };
}

export type RoomClaims = ReturnType<typeof createRoomClaims>;
