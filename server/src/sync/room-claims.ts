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

import { LINKS_TABLE, type Trx } from './links';

const CLAIMS_TABLE = 'iflychat_room_claims';

/** A room id another link row owns: the database refused a second owner. */
export class RoomOwnedError extends Error {
  constructor(readonly roomId: string) {
    super(`room ${roomId} belongs to another entry`);
    this.name = 'RoomOwnedError';
  }
}

export function createRoomClaims(strapi: Core.Strapi) {
  const db = (trx?: Trx) => trx ?? strapi.db.connection;
  /** MySQL has no `INSERT … RETURNING`. */
  const returns = strapi.db.dialect.client !== 'mysql';

  async function firstOwner(table: string, roomId: string, trx?: Trx): Promise<string | null> {
    const found: unknown = await db(trx)(table)
      .where('room_id', roomId)
      .orderBy('id', 'asc')
      .limit(1)
      .select('link_key');
    const [row] = found as Array<{ link_key: string }>;
    return row?.link_key ?? null;
  }

  return {
    /**
     * Records that `linkKey` owns `roomId` (nothing when it does already). The unique key on the
     * room id leaves a second owner out, on every database, even at the same moment: throws
     * {@link RoomOwnedError}, which rolls back the transaction it is part of.
     */
    async claimRoom(roomId: string, linkKey: string, trx?: Trx): Promise<void> {
      const insert = db(trx)(CLAIMS_TABLE)
        .insert({ room_id: roomId, link_key: linkKey })
        .onConflict('room_id')
        .ignore();
      if (returns) {
        // The insert says whether it inserted: a new claim needs no second look.
        if (((await insert.returning('link_key')) as unknown[]).length === 1) return;
      } else {
        await insert;
      }
      if ((await firstOwner(CLAIMS_TABLE, roomId, trx)) !== linkKey) {
        throw new RoomOwnedError(roomId);
      }
    },

    /** `linkKey` no longer owns `roomId`. */
    async releaseRoom(roomId: string, linkKey: string, trx?: Trx): Promise<void> {
      await db(trx)(CLAIMS_TABLE).where({ room_id: roomId, link_key: linkKey }).delete();
    },

    /** The link key that owns a room id, if any (claims first, then the link rows). */
    async ownerOf(roomId: string): Promise<string | null> {
      return (await firstOwner(CLAIMS_TABLE, roomId)) ?? firstOwner(LINKS_TABLE, roomId);
    },
  };
}

export type RoomClaims = ReturnType<typeof createRoomClaims>;
