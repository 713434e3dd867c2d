/**
 * The room-link table as a job queue (with the room claims of `room-claims.ts` that give each
 * room id one owner). Plain reads and writes; which write happens when is decided in `job-state.ts` and
 * `runner.ts`.
 *
 * A row is claimed with one conditional `updateMany` whose `count === 1` decides the winner, so
 * two workers (or two Strapi instances on one database) never run the same job twice. The claim
 * raises the row's fencing token (see `job-state.ts`), so the matched row is always a changed
 * row, and MySQL's count of changed rows is the count of matched ones.
 */
import { randomUUID } from 'node:crypto';

import type { Core } from '@strapi/strapi';

import { ROOM_LINK_UID } from '../content-types';
import { QUEUE_BATCH } from './constants';
import {
  claimedJob,
  claimPatch,
  DUE_STATUSES,
  requeuePatch,
  type ClaimedJob,
  type LinkStatus,
  type RoomLink,
  type RowPatch,
  type RowNow,
} from './job-state';

export type { ClaimedJob, LinkStatus, RoomLink };

import { localClock, type Clock } from './clock';
import { createRoomClaims } from './room-claims';
import { ALL_LOCALES, isUniqueViolation, linkKeyOf, type LinkTarget } from './room-links-keys';

export {
  ALL_LOCALES,
  isUniqueViolation,
  linkKeyOf,
  targetsFor,
  type LinkTarget,
} from './room-links-keys';
export { RoomOwnedError } from './room-claims';

type Existing = Pick<RoomLink, 'id' | 'linkKey' | 'status' | 'operation'>;

interface QueueOptions {
  retryFailed: boolean;
  recheckCreated: boolean;
  /** Inside a transaction: a row another writer inserted meanwhile throws (`insertMissing`). */
  atomic: boolean;
}

/** A new row: a sync job for the target, due now. */
function newRow(uid: string, target: LinkTarget, now: Date) {
  return {
    linkKey: linkKeyOf(uid, target.documentId, target.locale),
    contentType: uid,
    entryDocumentId: target.documentId,
    entryLocale: target.locale,
    operation: 'sync' as const,
    status: 'pending' as const,
    attempts: 0,
    fence: 0,
    runAgain: false,
    mayHaveCreated: false,
    nextAttemptAt: now,
  };
}

/** Queueing: rows inserted for new targets, and rows put back in the queue. */
function createQueueWrites(strapi: Core.Strapi, clock: Clock) {
  const query = () => strapi.db.query(ROOM_LINK_UID);

  /**
   * Inserts rows for targets that have none. The unique index on `linkKey` settles races (a
   * publish hook and a sweep, or two instances): a batch that collides is retried row by row and
   * the rows that already exist are skipped. With `atomic` (inside a transaction, which a
   * collision aborts on PostgreSQL) the collision is thrown instead. Returns how many rows were
   * inserted.
   */
  async function insertMissing(
    uid: string,
    targets: LinkTarget[],
    now: Date,
    atomic: boolean
  ): Promise<number> {
    const rows = targets.map((target) => newRow(uid, target, now));
    try {
      await query().createMany({ data: rows });
      return rows.length;
    } catch (error) {
      if (atomic || !isUniqueViolation(error)) throw error;
    }
    let inserted = 0;
    for (const row of rows) {
      try {
        await query().create({ data: row });
        inserted += 1;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    return inserted;
  }

  /** Puts rows of one status back in the queue; returns how many. */
  async function requeue(rows: Existing[], status: LinkStatus, now: Date, data: RowPatch = {}) {
    const ids = rows.filter((row) => row.status === status).map((row) => row.id);
    if (ids.length === 0) return 0;
    const { count } = await query().updateMany({
      where: { id: { $in: ids }, status },
      data: { operation: 'sync', ...requeuePatch(now), ...data },
    });
    return count;
  }

  /** One batch of `queue` (see there). */
  async function queueBatch(
    uid: string,
    byKey: Map<string, LinkTarget>,
    now: Date,
    { retryFailed, recheckCreated, atomic }: QueueOptions
  ) {
    const result = { inserted: 0, requeued: 0, waiting: 0 };
    const existing = (await query().findMany({
      where: { linkKey: { $in: [...byKey.keys()] } },
      select: ['id', 'linkKey', 'status', 'operation'],
    })) as Existing[];
    const known = new Set(existing.map((row) => row.linkKey));
    const missing = [...byKey].filter(([key]) => !known.has(key)).map(([, target]) => target);
    if (missing.length > 0) result.inserted += await insertMissing(uid, missing, now, atomic);

    const deletes = existing.filter((row) => row.operation === 'delete');
    for (const status of ['pending', 'retrying', 'failed'] as const) {
      result.requeued += await requeue(deletes, status, now);
    }
    const others = existing.filter((row) => row.operation !== 'delete');
    if (retryFailed) {
      result.requeued += await requeue(others, 'failed', now);
      // An entry whose room an editor unlinked gets a new one when it is published again.
      result.requeued += await requeue(others, 'unlinked', now);
    }
    // A room that exists is checked against the entry again (and edited if it changed).
    if (recheckCreated) result.requeued += await requeue(others, 'created', now);

    // A running job runs once more with the entry as it is now; a running delete is called
    // off (it ends by queueing a new room for the entry published again).
    const running = existing.filter((row) => row.status === 'processing');
    const runningDeletes = running.filter((row) => row.operation === 'delete');
    if (runningDeletes.length > 0) {
      await query().updateMany({
        where: { id: { $in: runningDeletes.map((row) => row.id) }, operation: 'delete' },
        data: { operation: 'sync' },
      });
    }
    const runningOthers = running.filter((row) => row.operation !== 'delete');
    if (runningOthers.length > 0 && (retryFailed || recheckCreated)) {
      await query().updateMany({
        where: { id: { $in: runningOthers.map((row) => row.id) }, status: 'processing' },
        data: { runAgain: true },
      });
    }
    result.waiting += running.length;
    result.waiting += others.filter(
      (row) => row.status === 'pending' || row.status === 'retrying'
    ).length;
    return result;
  }

  return {
    /**
     * Queues rooms of `uid` (documents, or locales of documents), in batches. Targets without a
     * row get one; with `retryFailed`, failed and unlinked rows are queued again (publishing
     * again is how an editor retries); with `recheckCreated`, rows that have a room are queued
     * to compare the room with the entry, and running jobs are marked to run again. A delete
     * that has not started yet is called off: the entry is published again. Returns what
     * changed, and how many targets already had a job waiting or running.
     */
    async queue(
      uid: string,
      targets: LinkTarget[],
      {
        retryFailed,
        recheckCreated = false,
        atomic = false,
      }: Partial<QueueOptions> & {
        retryFailed: boolean;
      }
    ): Promise<{ inserted: number; requeued: number; waiting: number }> {
      const total = { inserted: 0, requeued: 0, waiting: 0 };
      const now = clock.now();
      for (let start = 0; start < targets.length; start += QUEUE_BATCH) {
        const byKey = new Map<string, LinkTarget>();
        for (const target of targets.slice(start, start + QUEUE_BATCH)) {
          byKey.set(linkKeyOf(uid, target.documentId, target.locale), target);
        }
        const batch = await queueBatch(uid, byKey, now, { retryFailed, recheckCreated, atomic });
        total.inserted += batch.inserted;
        total.requeued += batch.requeued;
        total.waiting += batch.waiting;
      }
      return total;
    },

    /**
     * Queues the deletion of these rooms (the entry was unpublished or deleted). A row whose job
     * is running is marked too: when that job ends, the delete follows. Targets without a row
     * have no room, and need nothing.
     */
    async queueDelete(uid: string, targets: LinkTarget[]): Promise<number> {
      if (targets.length === 0) return 0;
      const linkKey = { $in: targets.map((t) => linkKeyOf(uid, t.documentId, t.locale)) };
      const { count } = await query().updateMany({
        where: { linkKey },
        data: { operation: 'delete', runAgain: false },
      });
      if (count > 0) {
        await query().updateMany({
          where: { linkKey, status: { $ne: 'processing' } },
          data: { status: 'pending', attempts: 0, nextAttemptAt: clock.now() },
        });
      }
      return count;
    },

    /** Inserts the row of a room linked by hand. Throws a unique violation when it exists. */
    async insertLinked(uid: string, target: LinkTarget, data: RowPatch): Promise<void> {
      await query().create({ data: { ...newRow(uid, target, clock.now()), ...data } });
    },
  };
}

/** Rows read in the same state get the same claim patch: one update claims all of them. */
function claimGroups(rows: RoomLink[]): RoomLink[][] {
  const groups = new Map<string, RoomLink[]>();
  for (const row of rows) {
    const key = JSON.stringify([
      row.status,
      row.operation ?? 'sync',
      row.fence ?? null,
      row.attempts ?? 0,
      Boolean(row.mayHaveCreated),
    ]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

/** The job side: due rows, claims, and writes guarded by the claim's fencing token. */
function createJobWrites(strapi: Core.Strapi) {
  const query = () => strapi.db.query(ROOM_LINK_UID);

  /**
   * Claims rows read in the same state, with one conditional update: a row is won only if its
   * status, operation and fencing token are still what was read. The operation is part of the
   * condition: a row read before a publish called its delete off (or before an editor asked
   * for a recreate) is not claimed for the old operation. When fewer rows changed than were
   * asked for (another worker took some first), the claim's token tells which ones this
   * worker won.
   */
  async function claimGroup(group: RoomLink[], leaseExpiresAt: Date, token: string) {
    const [first] = group;
    const patch = claimPatch(first, leaseExpiresAt);
    const ids = group.map((row) => row.id);
    const { count } = await query().updateMany({
      where: {
        id: { $in: ids },
        status: first.status,
        operation: first.operation ?? 'sync',
        fence: first.fence ?? null,
      },
      data: { ...patch, claimToken: token },
    });
    let won = group;
    if (count === 0) won = [];
    else if (count < group.length) {
      const mine = (await query().findMany({
        where: { id: { $in: ids }, claimToken: token },
        select: ['id'],
      })) as Array<{ id: number }>;
      const wonIds = new Set(mine.map((row) => row.id));
      won = group.filter((row) => wonIds.has(row.id));
    }
    return won.map((row) => claimedJob(row, claimPatch(row, leaseExpiresAt)));
  }

  return {
    /** Due rows: queued ones whose time has come, and claimed ones whose lease ran out. */
    async findDue(limit: number, now: Date): Promise<RoomLink[]> {
      return (await query().findMany({
        where: {
          $or: [
            { status: { $in: DUE_STATUSES }, nextAttemptAt: { $lte: now } },
            { status: 'processing', leaseExpiresAt: { $lt: now } },
          ],
        },
        orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
        limit,
      })) as RoomLink[];
    },

    /** The earliest time a queued row becomes due, or a lease runs out, if any. */
    async nextDueAt(): Promise<Date | null> {
      const [queued] = (await query().findMany({
        where: { status: { $in: DUE_STATUSES } },
        orderBy: { nextAttemptAt: 'asc' },
        limit: 1,
        select: ['nextAttemptAt'],
      })) as Pick<RoomLink, 'nextAttemptAt'>[];
      return queued?.nextAttemptAt ? new Date(queued.nextAttemptAt) : null;
    },

    /**
     * Takes due rows for this worker, in one transaction; only one caller can win a given row
     * (see `claimGroup`). Returns the jobs this worker won.
     */
    async claimMany(rows: RoomLink[], leaseExpiresAt: Date): Promise<ClaimedJob[]> {
      if (rows.length === 0) return [];
      const token = randomUUID();
      return strapi.db.transaction(async () => {
        const won: ClaimedJob[] = [];
        for (const group of claimGroups(rows)) {
          won.push(...(await claimGroup(group, leaseExpiresAt, token)));
        }
        return won;
      });
    },

    /** The parts of a held row that others may change while the job runs; null if lost. */
    async rowNow(job: ClaimedJob): Promise<RowNow | null> {
      return (await query().findOne({
        where: { id: job.id, fence: job.fence },
        select: ['operation', 'runAgain'],
      })) as RowNow | null;
    },

    /** `rowNow` for a batch of held jobs, by row id (rows lost to another worker left out). */
    async rowsNow(jobs: ClaimedJob[]): Promise<Map<number, RowNow>> {
      const rows = (await query().findMany({
        where: { id: { $in: jobs.map((job) => job.id) } },
        select: ['id', 'fence', 'operation', 'runAgain'],
      })) as Array<RowNow & { id: number; fence: number | null }>;
      const fences = new Map(jobs.map((job) => [job.id, job.fence]));
      return new Map(
        rows
          .filter((row) => row.fence === fences.get(row.id))
          .map((row) => [row.id, { operation: row.operation, runAgain: row.runAgain }])
      );
    },

    /**
     * Changes a row this worker holds, if it still holds it and the row still stands as `now`
     * says. Returns whether the row was updated.
     */
    async update(job: ClaimedJob, data: RowPatch, now?: RowNow): Promise<boolean> {
      const { count } = await query().updateMany({
        where: {
          id: job.id,
          fence: job.fence,
          ...(now ? { operation: now.operation, runAgain: now.runAgain } : {}),
        },
        data,
      });
      return count === 1;
    },

    /** Renews a held lease; false when the job is not held any more. */
    async renew(job: ClaimedJob, leaseExpiresAt: Date): Promise<boolean> {
      const { count } = await query().updateMany({
        where: { id: job.id, fence: job.fence, status: 'processing' },
        data: { leaseExpiresAt },
      });
      return count === 1;
    },

    /** Removes the row of a job this worker holds. */
    async removeHeld(job: ClaimedJob): Promise<boolean> {
      const { count } = await query().deleteMany({ where: { id: job.id, fence: job.fence } });
      return count === 1;
    },
  };
}

export function createRoomLinks(strapi: Core.Strapi, clock: Clock = localClock) {
  const query = () => strapi.db.query(ROOM_LINK_UID);
  const claims = createRoomClaims(strapi);

  async function findByKey(linkKey: string): Promise<RoomLink[]> {
    return (await query().findMany({ where: { linkKey }, orderBy: { id: 'asc' } })) as RoomLink[];
  }

  /** Forgets a room: the row (and its room's claim) goes, unless a job holds it. */
  async function remove(row: Pick<RoomLink, 'id' | 'linkKey' | 'roomId'>): Promise<boolean> {
    const { count } = await query().deleteMany({
      where: { id: row.id, status: { $ne: 'processing' } },
    });
    if (count === 1 && row.roomId) await claims.releaseRoom(row.roomId, row.linkKey);
    return count === 1;
  }

  return {
    ...createQueueWrites(strapi, clock),
    /** The database's time now (see `clock.ts`): every time written to a row comes from it. */
    now: () => clock.now(),
    ...createJobWrites(strapi),
    ...claims,
    findByKey,
    remove,

    async findOne(uid: string, documentId: string, locale = ALL_LOCALES): Promise<RoomLink | null> {
      const rows = await findByKey(linkKeyOf(uid, documentId, locale));
      return rows[0] ?? null;
    },

    /** Marks a running job to run once more when it ends. */
    async markRunAgain(row: Pick<RoomLink, 'id'>): Promise<void> {
      await query().updateMany({
        where: { id: row.id, status: 'processing' },
        data: { runAgain: true },
      });
    },

    /** Removes rows of types no longer bound (their jobs cannot run); returns how many. */
    async removeUnbound(boundUids: string[]): Promise<number> {
      const where = {
        contentType: { $notIn: boundUids.length > 0 ? boundUids : ['-'] },
        status: { $ne: 'processing' },
        operation: { $ne: 'delete' },
      };
      const rows = (await query().findMany({
        where,
        select: ['id', 'linkKey', 'roomId'],
        limit: 1000,
      })) as Pick<RoomLink, 'id' | 'linkKey' | 'roomId'>[];
      let removed = 0;
      for (const row of rows) if (await remove(row)) removed += 1;
      return removed;
    },

    /** Changes a row that no job holds (the panel's actions). False when a job holds it. */
    async change(row: Pick<RoomLink, 'id'>, data: RowPatch): Promise<boolean> {
      const { count } = await query().updateMany({
        where: { id: row.id, status: { $ne: 'processing' } },
        data,
      });
      return count === 1;
    },

    /** How the rows of one content type stand, by status (one grouped query). */
    async countByStatus(uid: string): Promise<Record<LinkStatus, number>> {
      const counts: Record<LinkStatus, number> = {
        pending: 0,
        processing: 0,
        retrying: 0,
        created: 0,
        failed: 0,
        unlinked: 0,
      };
      const table = strapi.db.metadata.get(ROOM_LINK_UID).tableName;
      const rows: Array<{ status: LinkStatus; n: number | string }> = await strapi.db
        .connection(table)
        .select('status')
        .count({ n: '*' })
        .where('content_type', uid)
        .groupBy('status');
      for (const row of rows) {
        if (Object.hasOwn(counts, row.status)) counts[row.status] = Number(row.n);
      }
      return counts;
    },

    /** The link row (of any entry) that owns a room id, if one does. */
    async findByRoomId(roomId: string): Promise<RoomLink | null> {
      const key = await claims.ownerOf(roomId);
      if (!key) return null;
      return (await findByKey(key))[0] ?? null;
    },
  };
}

export type RoomLinks = ReturnType<typeof createRoomLinks>;
