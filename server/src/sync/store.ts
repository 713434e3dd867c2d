/**
 * The reconciler's row store on the database: each write of a held row, with what goes with it
 * (the room's owner claim, the claims it gives up, the room id written on the entry), in one
 * transaction. A write whose row moved on (another worker's fence) writes nothing.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import type { Entries } from './entries';
import type { Held, Links, RowChange, Trx } from './links';
import type { Effects, RowEnd, RowStore } from './reconcile';
import type { RoomClaims } from './room-claims';

class RowMovedError extends Error {}

export function createRowStore(
  strapi: Core.Strapi,
  links: Links,
  claims: RoomClaims,
  entries: Entries
): RowStore {
  /** Runs `write` with `effects`, in one transaction when there are any. */
  async function withEffects(
    job: Held,
    effects: Effects | undefined,
    write: (trx?: Trx) => Promise<boolean>
  ): Promise<boolean> {
    if (!effects || Object.keys(effects).length === 0) return write();
    try {
      return await strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        if (effects.claim) await claims.claimRoom(effects.claim, job.linkKey, trx);
        // Rolls the claim back: the row is another worker's now.
        if (!(await write(trx))) throw new RowMovedError();
        for (const roomId of effects.release ?? [])
          await claims.releaseRoom(roomId, job.linkKey, trx);
        if (effects.writeBack) {
          await entries.writeBack(job, effects.writeBack.field, effects.writeBack.roomId);
        }
        return true;
      });
    } catch (error) {
      if (error instanceof RowMovedError) return false;
      throw error;
    }
  }

  return {
    record: (job: Held, change: RowChange, effects?: Effects) =>
      withEffects(job, effects, (trx) => links.record(job, change, trx)),
    finish: (job: Held, end: RowEnd, effects?: Effects) =>
      withEffects(job, effects, (trx) => links.finish(job, end, trx)),
    retry: (job, reason, delayMs) => links.retry(job, reason, delayMs),
    // The row goes; the claims of rooms it kept in iFlyChat stay, so that no other row takes
    // them for its own (a lost create's answer is matched against unowned rooms only).
    drop: (job) => links.drop(job),
    ownerOf: (roomId) => claims.ownerOf(roomId),
    createInFlight: (job, params) => links.createInFlight(job, params),
  };
}
