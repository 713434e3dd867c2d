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

  return {
    findByKey,

    async findOne(uid: string, documentId: string, locale = ALL_LOCALES): Promise<RoomLink | null> {
      const rows = await findByKey(linkKeyOf(uid, documentId, locale));
      return rows[0] ?? null;
    },

    /**
     * Records that an entry was published and needs a room. A row that already has a room is
     * left alone; a failed row is queued again, since publishing again is how an editor retries.
     * Returns true when there is work for the worker.
     */
    async enqueue(uid: string, documentId: string, locale = ALL_LOCALES): Promise<boolean> {
      const linkKey = linkKeyOf(uid, documentId, locale);
      const now = new Date();
      const [existing] = await findByKey(linkKey);
      if (!existing) {
        await query().create({
          data: {
            linkKey,
            contentType: uid,
            entryDocumentId: documentId,
            entryLocale: locale,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
          },
        });
        // Two publishes of one document racing each other may both have inserted: keep the first.
        const rows = await findByKey(linkKey);
        if (rows.length > 1) {
          await query().deleteMany({ where: { id: { $in: rows.slice(1).map((row) => row.id) } } });
        }
        return true;
      }
      if (existing.status === 'failed') {
        const { count } = await query().updateMany({
          where: { id: existing.id, status: 'failed' },
          data: { status: 'pending', attempts: 0, nextAttemptAt: now },
        });
        return count === 1;
      }
      return existing.status !== 'created';
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

    /** The link row (of any entry) that already owns a room id, if one does. */
    async findByRoomId(roomId: string): Promise<RoomLink | null> {
      return (await query().findOne({ where: { roomId } })) as RoomLink | null;
    },
  };
}

export type RoomLinks = ReturnType<typeof createRoomLinks>;
