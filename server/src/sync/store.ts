/**
 * The reconciler's row store on the database: each write of a held row, with what goes with it
 * (the room's owner claim, the claims it gives up, the room id written on the entry), in one
 * transaction. A write whose row moved on (another worker's fence) writes nothing.
 *
 * On SQLite every commit waits for the disk on the process's only thread, and every statement
 * waits for the one connection anyway: there the writes of runs that end at the same moment
 * share one commit, each in a savepoint of its own, so that a write whose row moved on, or whose
 * room another entry owns, undoes only itself. Elsewhere each write commits on its own (commits
 * there wait on a pooled connection, not on the process; a shared transaction would only hold
 * row locks longer).
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import type { Entries } from './entries';
import type { Held, Links, RowChange, Trx } from './links';
import type { Effects, RowEnd, RowStore } from './reconcile';
import type { RoomClaims } from './room-claims';

class RowMovedError extends Error {}

type Write = (trx: Knex.Transaction) => Promise<boolean>;

/**
 * Runs writes of held rows: each on its own, or (SQLite) those that queue up while a commit is
 * being made, together in the next one.
 */
export function createCommitter(strapi: Core.Strapi) {
  /** One write in a transaction (or savepoint) of its own: false when its row moved on. */
  const alone = async (write: Write, db: Pick<Knex, 'transaction'>) => {
    try {
      return await db.transaction(async (trx) => {
        if (!(await write(trx))) throw new RowMovedError();
        return true;
      });
    } catch (error) {
      if (error instanceof RowMovedError) return false;
      throw error;
    }
  };
  if (strapi.db.dialect.client !== 'sqlite') {
    return (write: Write) => alone(write, strapi.db.connection);
  }

  type Queued = { write: Write; resolve(ok: boolean): void; reject(reason: unknown): void };
  let queue: Queued[] = [];
  let committing = false;
  async function commitQueued() {
    const batch = queue;
    queue = [];
    const outcomes: Array<(item: Queued) => void> = [];
    try {
      await strapi.db.connection.transaction(async (trx) => {
        for (const { write } of batch) {
          outcomes.push(
            await alone(write, trx).then(
              (ok) => (item: Queued) => item.resolve(ok),
              (reason: unknown) => (item: Queued) => item.reject(reason)
            )
          );
        }
      });
      batch.forEach((item, i) => outcomes[i](item));
    } catch (reason) {
      // The commit itself failed: nothing of the batch was written.
      batch.forEach((item) => item.reject(reason));
    }
  }
  async function drain() {
    committing = true;
    while (queue.length > 0) await commitQueued();
    committing = false;
  }
  return (write: Write) =>
    new Promise<boolean>((resolve, reject) => {
      queue.push({ write, resolve, reject });
      // Writes queued before the next turn, or while a commit is made, share the next commit.
      if (!committing && queue.length === 1) setImmediate(() => void drain());
    });
}

export function createRowStore(
  strapi: Core.Strapi,
  links: Links,
  claims: RoomClaims,
  entries: Entries
): RowStore {
  const commit = createCommitter(strapi);
  const sharesCommits = strapi.db.dialect.client === 'sqlite';

  /** Writes a held row's change and its effects, all or nothing. */
  const withEffects = (
    job: Held,
    effects: Effects | undefined,
    write: (trx?: Trx) => Promise<boolean>
  ) => {
    // One statement needs no transaction of its own (except to share SQLite's commits).
    if (!sharesCommits && (!effects || Object.keys(effects).length === 0)) return write();
    return commit(async (trx) => {
      if (effects?.claim) await claims.claimRoom(effects.claim, job.linkKey, trx);
      if (!(await write(trx))) return false;
      for (const roomId of effects?.release ?? []) {
        await claims.releaseRoom(roomId, job.linkKey, trx);
      }
      if (effects?.writeBack) {
        await entries.writeBack(job, effects.writeBack.field, effects.writeBack.roomId, trx);
      }
      return true;
    });
  };

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
