/**
 * The room-link table as a job queue. One row per published entry of a bound content type
 * (content type uid + documentId + locale, `*` when the whole document shares one room).
 *
 * A row is claimed with one conditional `updateMany` whose `count === 1` decides the winner, so
 * two workers (or two Strapi instances on one database) never run the same job twice.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { LinkStatus, RoomOperation } from '../../../contracts/rooms';
import { ROOM_LINK_UID } from '../content-types';

export type { LinkStatus, RoomOperation };

/** One room's owner: a document, or one locale of it (`*` when all locales share the room). */
export interface LinkTarget {
  documentId: string;
  locale: string;
}

export interface RoomLink {
  id: number;
  documentId: string;
  linkKey: string;
  contentType: string;
  entryDocumentId: string;
  entryLocale: string;
  operation: RoomOperation;
  status: LinkStatus;
  roomId: string | null;
  /** The room as last sent to (or adopted from) iFlyChat; null when unknown. */
  roomName: string | null;
  roomRole: string | null;
  roomPrivate: boolean | null;
  roomModerate: boolean | null;
  attempts: number;
  lastError: string | null;
  mayHaveCreated: boolean | null;
  nextAttemptAt: string | Date | null;
  leaseExpiresAt: string | Date | null;
  syncedAt: string | Date | null;
  /** On a claimed row: its status before the claim (not stored). */
  previousStatus?: LinkStatus;
}

/** Unique-constraint violations of SQLite, PostgreSQL and MySQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT' ||
    code === '23505' ||
    code === 'ER_DUP_ENTRY'
  );
}

/** `*` stands for "every locale of the document". */
export const ALL_LOCALES = '*';

export function linkKeyOf(uid: string, documentId: string, locale: string = ALL_LOCALES): string {
  return `${uid}:${documentId}:${locale}`;
}

/**
 * The rooms a change of these locales of a document touches: each locale's own room when the
 * binding gives one room per locale (and the type has locales), else the document's one room.
 */
export function targetsFor(
  binding: Pick<Binding, 'roomPer'> | undefined,
  documentId: string,
  locales: Array<string | null | undefined>
): LinkTarget[] {
  const known = [...new Set(locales.filter((locale): locale is string => Boolean(locale)))];
  if (binding?.roomPer === 'locale' && known.length > 0) {
    return known.map((locale) => ({ documentId, locale }));
  }
  return [{ documentId, locale: ALL_LOCALES }];
}

export const DUE_STATUSES: LinkStatus[] = ['pending', 'retrying'];

export function createRoomLinks(strapi: Core.Strapi) {
  const query = () => strapi.db.query(ROOM_LINK_UID);

  async function findByKey(linkKey: string): Promise<RoomLink[]> {
    return (await query().findMany({ where: { linkKey }, orderBy: { id: 'asc' } })) as RoomLink[];
  }

  function newRow(uid: string, target: LinkTarget, now: Date) {
    return {
      linkKey: linkKeyOf(uid, target.documentId, target.locale),
      contentType: uid,
      entryDocumentId: target.documentId,
      entryLocale: target.locale,
      operation: 'sync' as const,
      status: 'pending' as const,
      attempts: 0,
      mayHaveCreated: false,
      nextAttemptAt: now,
    };
  }

  /**
   * Inserts rows for documents that have none. The unique index on `linkKey` settles races
   * (a publish hook and a sweep, or two instances): a batch that collides is retried row by row
   * and the rows that already exist are skipped. Returns how many rows were inserted.
   */
  async function insertMissing(uid: string, targets: LinkTarget[], now: Date): Promise<number> {
    const rows = targets.map((target) => newRow(uid, target, now));
    try {
      await query().createMany({ data: rows });
      return rows.length;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
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

  return {
    findByKey,

    async findOne(uid: string, documentId: string, locale = ALL_LOCALES): Promise<RoomLink | null> {
      const rows = await findByKey(linkKeyOf(uid, documentId, locale));
      return rows[0] ?? null;
    },

    /** Every row of a document (all its locales' rooms, or the one it shares). */
    async findByDocument(uid: string, documentId: string): Promise<RoomLink[]> {
      return (await query().findMany({
        where: { contentType: uid, entryDocumentId: documentId },
      })) as RoomLink[];
    },

    /**
     * Queues rooms of `uid` (documents, or locales of documents), in batches. Targets without a
     * row get one; with `retryFailed`, failed rows are queued again (publishing again is how an
     * editor retries); with `recheckCreated`, rows that have a room are queued to compare the
     * room with the entry. A delete that has not started yet is called off: the entry is
     * published again. Returns what changed, and how many targets already had a job running.
     */
    async queue(
      uid: string,
      targets: LinkTarget[],
      { retryFailed, recheckCreated = false }: { retryFailed: boolean; recheckCreated?: boolean }
    ): Promise<{ inserted: number; requeued: number; waiting: number }> {
      const result = { inserted: 0, requeued: 0, waiting: 0 };
      const now = new Date();
      for (let start = 0; start < targets.length; start += 200) {
        const byKey = new Map<string, LinkTarget>();
        for (const target of targets.slice(start, start + 200)) {
          byKey.set(linkKeyOf(uid, target.documentId, target.locale), target);
        }
        const existing = (await query().findMany({
          where: { linkKey: { $in: [...byKey.keys()] } },
          select: ['id', 'linkKey', 'status', 'operation'],
        })) as Pick<RoomLink, 'id' | 'linkKey' | 'status' | 'operation'>[];
        const known = new Set(existing.map((row) => row.linkKey));
        const missing = [...byKey].filter(([key]) => !known.has(key)).map(([, target]) => target);
        if (missing.length > 0) result.inserted += await insertMissing(uid, missing, now);
        const requeue = async (rows: typeof existing, status: LinkStatus) => {
          const ids = rows.filter((row) => row.status === status).map((row) => row.id);
          if (ids.length === 0) return;
          const { count } = await query().updateMany({
            where: { id: { $in: ids }, status },
            data: { operation: 'sync', status: 'pending', attempts: 0, nextAttemptAt: now },
          });
          result.requeued += count;
        };
        const deletes = existing.filter((row) => row.operation === 'delete');
        for (const status of ['pending', 'retrying', 'failed'] as const) {
          await requeue(deletes, status);
        }
        // A delete waiting for a running job to end is called off too (if the running job is
        // that delete, it ends by queueing a new room for the entry published again).
        const runningDeletes = deletes.filter((row) => row.status === 'processing');
        if (runningDeletes.length > 0) {
          await query().updateMany({
            where: { id: { $in: runningDeletes.map((row) => row.id) }, operation: 'delete' },
            data: { operation: 'sync' },
          });
        }
        const others = existing.filter((row) => row.operation !== 'delete');
        if (retryFailed) {
          await requeue(others, 'failed');
          // An entry whose room an editor unlinked gets a new one when it is published again.
          await requeue(others, 'unlinked');
        }
        // A room that exists is checked against the entry again (and edited if it changed).
        if (recheckCreated) await requeue(others, 'created');
        result.waiting += existing.filter((row) => row.status === 'processing').length;
        result.waiting += others.filter(
          (row) => row.status === 'pending' || row.status === 'retrying'
        ).length;
      }
      return result;
    },

    /**
     * Queues the deletion of these rooms (the entry was unpublished or deleted). A row whose job
     * is running is marked too: when that job ends, the delete follows (see `settle`).
     * Targets without a row have no room, and need nothing.
     */
    async queueDelete(uid: string, targets: LinkTarget[]): Promise<number> {
      if (targets.length === 0) return 0;
      const linkKey = { $in: targets.map((t) => linkKeyOf(uid, t.documentId, t.locale)) };
      const { count } = await query().updateMany({
        where: { linkKey },
        data: { operation: 'delete' },
      });
      if (count > 0) {
        await query().updateMany({
          where: { linkKey, status: { $ne: 'processing' } },
          data: { status: 'pending', attempts: 0, nextAttemptAt: new Date() },
        });
      }
      return count;
    },

    /**
     * Runs inside a create/edit job's finishing transaction. A recreate that finished is a plain
     * room again; a row marked for deletion while the job ran (the entry was unpublished or
     * deleted meanwhile) has its delete queued now.
     */
    async settle(claimed: RoomLink, succeeded: boolean): Promise<void> {
      if (claimed.operation === 'delete') return;
      if (succeeded && claimed.operation === 'recreate') {
        await query().updateMany({
          where: { id: claimed.id, operation: 'recreate' },
          data: { operation: 'sync' },
        });
      }
      await query().updateMany({
        where: { id: claimed.id, operation: 'delete', status: { $in: ['created', 'failed'] } },
        data: { status: 'pending', attempts: 0, nextAttemptAt: new Date() },
      });
    },

    /** Forgets a room: the row goes, unless a job holds it (returns false then). */
    async remove(row: Pick<RoomLink, 'id'>): Promise<boolean> {
      const { count } = await query().deleteMany({
        where: { id: row.id, status: { $ne: 'processing' } },
      });
      return count === 1;
    },

    /** Removes the row of a job this worker holds (its room was deleted). */
    async removeClaimed(claimed: RoomLink): Promise<boolean> {
      const { count } = await query().deleteMany({
        where: { id: claimed.id, status: 'processing', attempts: claimed.attempts },
      });
      return count === 1;
    },

    /**
     * Changes a row that no job holds (the panel's actions). Returns false when a job took it.
     */
    async change(row: Pick<RoomLink, 'id'>, data: Partial<Omit<RoomLink, 'id'>>): Promise<boolean> {
      const { count } = await query().updateMany({
        where: { id: row.id, status: { $ne: 'processing' } },
        data,
      });
      return count === 1;
    },

    /**
     * Inserts the row of a room linked by hand. Throws a unique violation when the target got a
     * row meanwhile.
     */
    async insertLinked(
      uid: string,
      target: LinkTarget,
      data: Partial<Omit<RoomLink, 'id'>>
    ): Promise<void> {
      await query().create({ data: { ...newRow(uid, target, new Date()), ...data } });
    },

    /** How the rows of one content type stand, by status. */
    async countByStatus(uid: string): Promise<Record<LinkStatus, number>> {
      const counts = {
        pending: 0,
        processing: 0,
        retrying: 0,
        created: 0,
        failed: 0,
        unlinked: 0,
      };
      for (const status of Object.keys(counts) as LinkStatus[]) {
        counts[status] = await query().count({ where: { contentType: uid, status } });
      }
      return counts;
    },

    /** Due rows: queued ones whose time has come, and claimed ones whose lease ran out. */
    async findDue(limit: number): Promise<RoomLink[]> {
      const now = new Date();
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

    /** The earliest time a queued row becomes due, if any. */
    async nextDueAt(): Promise<Date | null> {
      const [row] = (await query().findMany({
        where: { status: { $in: DUE_STATUSES } },
        orderBy: { nextAttemptAt: 'asc' },
        limit: 1,
        select: ['nextAttemptAt'],
      })) as Pick<RoomLink, 'nextAttemptAt'>[];
      return row?.nextAttemptAt ? new Date(row.nextAttemptAt) : null;
    },

    /**
     * Takes a due row for this worker; only one caller can win a given row. The row is marked
     * "may have created" at once: if this process dies while its create call is in flight, the
     * next attempt reconciles instead of creating a second room. The returned row still carries
     * the mark as it was before this attempt.
     */
    async claim(row: RoomLink, leaseMs: number): Promise<RoomLink | null> {
      const attempts = (row.attempts ?? 0) + 1;
      const leaseExpiresAt = new Date(Date.now() + leaseMs);
      // The operation is part of the condition: a row read before a publish called its delete
      // off (or before an editor asked for a recreate) is not claimed for the old operation.
      const { count } = await query().updateMany({
        where: {
          id: row.id,
          status: row.status,
          attempts: row.attempts ?? 0,
          operation: row.operation ?? 'sync',
        },
        data: { status: 'processing', attempts, leaseExpiresAt, mayHaveCreated: true },
      });
      return count === 1
        ? { ...row, status: 'processing', previousStatus: row.status, attempts, leaseExpiresAt }
        : null;
    },

    /** Gives back a claimed row that was never started, as it was before the claim. */
    async release(claimed: RoomLink): Promise<void> {
      await query().updateMany({
        where: { id: claimed.id, status: 'processing', attempts: claimed.attempts },
        data: {
          // A row taken over from a dead worker goes back to the queue as pending.
          status:
            claimed.previousStatus && claimed.previousStatus !== 'processing'
              ? claimed.previousStatus
              : 'pending',
          attempts: claimed.attempts - 1,
          mayHaveCreated: Boolean(claimed.mayHaveCreated),
          leaseExpiresAt: null,
        },
      });
    },

    /** Claims several rows in one transaction; returns those this worker won. */
    async claimMany(rows: RoomLink[], leaseMs: number): Promise<RoomLink[]> {
      if (rows.length <= 1) {
        const claimed = rows[0] ? await this.claim(rows[0], leaseMs) : null;
        return claimed ? [claimed] : [];
      }
      return strapi.db.transaction(async () => {
        const won: RoomLink[] = [];
        for (const row of rows) {
          const claimed = await this.claim(row, leaseMs);
          if (claimed) won.push(claimed);
        }
        return won;
      });
    },

    /**
     * Changes a row this worker holds. The `attempts` predicate makes the write a no-op when the
     * lease was lost to another worker meanwhile. Returns whether the row was updated.
     */
    async update(claimed: RoomLink, data: Partial<Omit<RoomLink, 'id'>>): Promise<boolean> {
      const { count } = await query().updateMany({
        where: { id: claimed.id, status: 'processing', attempts: claimed.attempts },
        data,
      });
      return count === 1;
    },

    /** The link row (of any entry) that already owns a room id, if one does. */
    async findByRoomId(roomId: string): Promise<RoomLink | null> {
      return (await query().findOne({ where: { roomId } })) as RoomLink | null;
    },
  };
}

export type RoomLinks = ReturnType<typeof createRoomLinks>;
