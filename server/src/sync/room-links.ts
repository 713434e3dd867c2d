/**
 * The room-link table as a job queue. One row per published entry of a bound content type
 * (content type uid + documentId + locale, `*` when the whole document shares one room).
 *
 * A row is claimed with one conditional `updateMany` whose `count === 1` decides the winner, so
 * two workers (or two Strapi instances on one database) never run the same job twice.
 */
import type { Core } from '@strapi/strapi';

import { ROOM_LINK_UID } from '../content-types';

export type LinkStatus = 'pending' | 'processing' | 'retrying' | 'created' | 'failed';

export interface RoomLink {
  id: number;
  documentId: string;
  linkKey: string;
  contentType: string;
  entryDocumentId: string;
  entryLocale: string;
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

export const DUE_STATUSES: LinkStatus[] = ['pending', 'retrying'];

export function createRoomLinks(strapi: Core.Strapi) {
  const query = () => strapi.db.query(ROOM_LINK_UID);

  async function findByKey(linkKey: string): Promise<RoomLink[]> {
    return (await query().findMany({ where: { linkKey }, orderBy: { id: 'asc' } })) as RoomLink[];
  }

  function newRow(uid: string, documentId: string, now: Date) {
    return {
      linkKey: linkKeyOf(uid, documentId),
      contentType: uid,
      entryDocumentId: documentId,
      entryLocale: ALL_LOCALES,
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
  async function insertMissing(uid: string, documentIds: string[], now: Date): Promise<number> {
    const rows = documentIds.map((documentId) => newRow(uid, documentId, now));
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

    /**
     * Queues documents of `uid` for a room, in batches. Documents without a row get one;
     * with `retryFailed`, failed rows are queued again (publishing again is how an editor
     * retries); with `recheckCreated`, rows that have a room are queued to compare the room with
     * the entry. Returns what changed, and how many of the documents already had a job waiting.
     */
    async queue(
      uid: string,
      documentIds: string[],
      { retryFailed, recheckCreated = false }: { retryFailed: boolean; recheckCreated?: boolean }
    ): Promise<{ inserted: number; requeued: number; waiting: number }> {
      const result = { inserted: 0, requeued: 0, waiting: 0 };
      const now = new Date();
      for (let start = 0; start < documentIds.length; start += 200) {
        const batch = [...new Set(documentIds.slice(start, start + 200))];
        const existing = (await query().findMany({
          where: { linkKey: { $in: batch.map((documentId) => linkKeyOf(uid, documentId)) } },
          select: ['id', 'linkKey', 'status'],
        })) as Pick<RoomLink, 'id' | 'linkKey' | 'status'>[];
        const known = new Set(existing.map((row) => row.linkKey));
        const missing = batch.filter((documentId) => !known.has(linkKeyOf(uid, documentId)));
        if (missing.length > 0) result.inserted += await insertMissing(uid, missing, now);
        const requeue = async (status: LinkStatus) => {
          const ids = existing.filter((row) => row.status === status).map((row) => row.id);
          if (ids.length === 0) return;
          const { count } = await query().updateMany({
            where: { id: { $in: ids }, status },
            data: { status: 'pending', attempts: 0, nextAttemptAt: now },
          });
          result.requeued += count;
        };
        if (retryFailed) await requeue('failed');
        // A room that exists is checked against the entry again (and edited if it changed).
        if (recheckCreated) await requeue('created');
        result.waiting += existing.filter(
          (row) => row.status !== 'created' && row.status !== 'failed'
        ).length;
      }
      return result;
    },

    /** How the rows of one content type stand, by status. */
    async countByStatus(uid: string): Promise<Record<LinkStatus, number>> {
      const counts = { pending: 0, processing: 0, retrying: 0, created: 0, failed: 0 };
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
      const { count } = await query().updateMany({
        where: { id: row.id, status: row.status, attempts: row.attempts ?? 0 },
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
