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
  roomName: string | null;
  attempts: number;
  lastError: string | null;
  mayHaveCreated: boolean | null;
  nextAttemptAt: string | Date | null;
  leaseExpiresAt: string | Date | null;
  syncedAt: string | Date | null;
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
   * Two writers racing on the same document (a publish hook and a sweep, or two instances) may
   * both have inserted its row: keep the oldest of each key.
   */
  async function removeDuplicates(keys: string[]): Promise<void> {
    const rows = (await query().findMany({
      where: { linkKey: { $in: keys } },
      select: ['id', 'linkKey', 'status', 'attempts'],
      orderBy: { id: 'asc' },
    })) as Pick<RoomLink, 'id' | 'linkKey' | 'status' | 'attempts'>[];
    const seen = new Set<string>();
    const extra: number[] = [];
    for (const row of rows) {
      // A copy a worker already took is dropped by the worker itself (see isDuplicate).
      if (seen.has(row.linkKey) && row.status === 'pending' && row.attempts === 0) {
        extra.push(row.id);
      }
      seen.add(row.linkKey);
    }
    if (extra.length > 0) await query().deleteMany({ where: { id: { $in: extra } } });
  }

  return {
    findByKey,

    async findOne(uid: string, documentId: string, locale = ALL_LOCALES): Promise<RoomLink | null> {
      const rows = await findByKey(linkKeyOf(uid, documentId, locale));
      return rows[0] ?? null;
    },

    /**
     * Records that entries were published and need a room. Rows that already have a room are
     * left alone; failed rows are queued again, since publishing again is how an editor retries.
     * Returns true when there is work for the worker.
     */
    async enqueue(uid: string, documentIds: string[]): Promise<boolean> {
      let work = false;
      const now = new Date();
      for (let start = 0; start < documentIds.length; start += 200) {
        const batch = [...new Set(documentIds.slice(start, start + 200))];
        const keys = batch.map((documentId) => linkKeyOf(uid, documentId));
        const existing = (await query().findMany({
          where: { linkKey: { $in: keys } },
          select: ['id', 'linkKey', 'status'],
        })) as Pick<RoomLink, 'id' | 'linkKey' | 'status'>[];
        const known = new Map(existing.map((row) => [row.linkKey, row]));
        const missing = batch.filter((documentId) => !known.has(linkKeyOf(uid, documentId)));
        if (missing.length > 0) {
          await query().createMany({
            data: missing.map((documentId) => newRow(uid, documentId, now)),
          });
          await removeDuplicates(missing.map((documentId) => linkKeyOf(uid, documentId)));
          work = true;
        }
        const failed = existing.filter((row) => row.status === 'failed').map((row) => row.id);
        if (failed.length > 0) {
          const { count } = await query().updateMany({
            where: { id: { $in: failed }, status: 'failed' },
            data: { status: 'pending', attempts: 0, nextAttemptAt: now },
          });
          work ||= count > 0;
        }
        work ||= existing.some((row) => row.status !== 'created' && row.status !== 'failed');
      }
      return work;
    },

    /**
     * Queues the documents of `uid` that have no link row yet, in batches; documents that already
     * have one (in any state) are left alone. Returns how many were queued.
     */
    async enqueueMissing(uid: string, documentIds: string[]): Promise<number> {
      let queued = 0;
      const now = new Date();
      for (let start = 0; start < documentIds.length; start += 200) {
        const batch = [...new Set(documentIds.slice(start, start + 200))];
        const keys = batch.map((documentId) => linkKeyOf(uid, documentId));
        const existing = (await query().findMany({
          where: { linkKey: { $in: keys } },
          select: ['linkKey'],
        })) as Pick<RoomLink, 'linkKey'>[];
        const known = new Set(existing.map((row) => row.linkKey));
        const missing = batch.filter((documentId) => !known.has(linkKeyOf(uid, documentId)));
        if (missing.length === 0) continue;
        await query().createMany({
          data: missing.map((documentId) => newRow(uid, documentId, now)),
        });
        queued += missing.length;
        await removeDuplicates(missing.map((documentId) => linkKeyOf(uid, documentId)));
      }
      return queued;
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

    /** Takes a due row for this worker. Only one caller can win a given row. */
    async claim(row: RoomLink, leaseMs: number): Promise<RoomLink | null> {
      const attempts = (row.attempts ?? 0) + 1;
      const leaseExpiresAt = new Date(Date.now() + leaseMs);
      const { count } = await query().updateMany({
        where: { id: row.id, status: row.status, attempts: row.attempts ?? 0 },
        data: { status: 'processing', attempts, leaseExpiresAt },
      });
      return count === 1 ? { ...row, status: 'processing', attempts, leaseExpiresAt } : null;
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

    /** True when an older row exists for the same key: this one is a duplicate to drop. */
    async isDuplicate(row: RoomLink): Promise<boolean> {
      const older = await query().count({ where: { linkKey: row.linkKey, id: { $lt: row.id } } });
      return older > 0;
    },

    async remove(row: RoomLink): Promise<void> {
      await query().delete({ where: { id: row.id } });
    },

    /** The link row (of any entry) that already owns a room id, if one does. */
    async findByRoomId(roomId: string): Promise<RoomLink | null> {
      return (await query().findOne({ where: { roomId } })) as RoomLink | null;
    },
  };
}

export type RoomLinks = ReturnType<typeof createRoomLinks>;
