/**
 * The room-link table, as the reconciler uses it. Every write that may race another instance is
 * one conditional statement whose conditions are in its `WHERE` and whose times come from the
 * database's own clock, in epoch milliseconds (no zone, no process clock):
 *
 * - a **mark** raises `wantSeq` (and inserts the row when there is none): "look at this again";
 * - a row is **due** when `wantSeq > doneSeq`, its `dueAtMs` has come and no live lease holds it;
 * - a **claim** takes due rows (re-checking all of that in the `UPDATE`), raises `fence` and
 *   writes a fresh `claimToken`, which tells the worker which rows it won;
 * - a **renewal** extends only a lease that has not run out; every write of a held row is guarded
 *   by its `fence`, so a worker that lost the row writes nothing;
 * - a **finish** records `doneSeq` = the `wantSeq` the claim saw: a mark since leaves it behind,
 *   and so due again. Nothing branches on what was read earlier.
 */
import { randomUUID } from 'node:crypto';

import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

import { LINK_STATUSES, type LinkStatus } from '../../../contracts/rooms';
import type { RoomParams } from '../iflychat/client';
import { nowMsSql } from '../utils/db-clock';
import { sanitizeReason } from '../utils/sanitize';
import { sameParams, type Intent, type Recorded } from './plan';
import { linkKeyOf, type LinkTarget } from './room-links-keys';

export const LINKS_TABLE = 'iflychat_room_links';

export interface LinkRow {
  id: number;
  linkKey: string;
  contentType: string;
  entryDocumentId: string;
  entryLocale: string;
  wantSeq: number;
  doneSeq: number;
  status: LinkStatus;
  unlinked: boolean;
  roomId: string | null;
  sent: RoomParams | null;
  intent: Intent | null;
  retireRoomId: string | null;
  entryRowId: number | null;
  attempts: number;
  lastError: string | null;
  fence: number;
  dueAtMs: number;
  leaseUntilMs: number | null;
  syncedAtMs: number | null;
}

/** A row this worker holds: guarded by `fence`; `seenSeq` is the `wantSeq` its claim saw. */
export interface Held extends LinkRow {
  seenSeq: number;
}

const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const bool = (value: unknown): boolean => value === true || value === 1 || value === '1';

function parseIntent(text: unknown): Intent | null {
  if (typeof text !== 'string' || text === '') return null;
  try {
    const value = JSON.parse(text) as { params?: RoomParams | null };
    return { params: value.params ?? null };
  } catch {
    return { params: null };
  }
}

export function rowFrom(raw: Record<string, unknown>): LinkRow {
  const name = raw.room_name as string | null;
  const role = raw.room_role as string | null;
  return {
    id: Number(raw.id),
    linkKey: String(raw.link_key),
    contentType: String(raw.content_type),
    entryDocumentId: String(raw.entry_document_id),
    entryLocale: String(raw.entry_locale),
    wantSeq: Number(raw.want_seq ?? 0),
    doneSeq: Number(raw.done_seq ?? 0),
    status: raw.status as LinkStatus,
    unlinked: bool(raw.unlinked),
    roomId: (raw.room_id as string | null) ?? null,
    sent:
      name === null || role === null || name === undefined || role === undefined
        ? null
        : {
            name,
            role,
            private: bool(raw.room_private),
            moderate: bool(raw.room_moderate),
          },
    intent: parseIntent(raw.intent),
    retireRoomId: (raw.retire_room_id as string | null) ?? null,
    entryRowId: num(raw.entry_row_id),
    attempts: Number(raw.attempts ?? 0),
    lastError: (raw.last_error as string | null) ?? null,
    fence: Number(raw.fence ?? 0),
    dueAtMs: Number(raw.due_at_ms ?? 0),
    leaseUntilMs: num(raw.lease_until_ms),
    syncedAtMs: num(raw.synced_at_ms),
  };
}

export const recordedOf = (row: LinkRow): Recorded => ({
  roomId: row.roomId,
  sent: row.sent,
  intent: row.intent,
  retireRoomId: row.retireRoomId,
});

/** Column values for the room as sent (or no room). */
function roomColumns(roomId: string | null, sent: RoomParams | null) {
  return {
    room_id: roomId,
    room_name: sent?.name ?? null,
    room_role: sent?.role ?? null,
    room_private: sent ? sent.private : null,
    room_moderate: sent ? sent.moderate : null,
  };
}

/** What a held row's step writes (see `record`). */
export interface RowChange {
  room?: { roomId: string | null; sent: RoomParams | null };
  intent?: Intent | null;
  retireRoomId?: string | null;
}

function changeColumns(change: RowChange): Record<string, unknown> {
  return {
    ...(change.room ? roomColumns(change.room.roomId, change.room.sent) : {}),
    ...(change.intent === undefined
      ? {}
      : { intent: change.intent ? JSON.stringify(change.intent) : null }),
    ...(change.retireRoomId === undefined ? {} : { retire_room_id: change.retireRoomId }),
  };
}

export type Trx = Knex.Transaction | undefined;

export function createLinks(strapi: Core.Strapi) {
  const db = strapi.db;
  const table = (trx?: Trx) => (trx ?? db.connection)(LINKS_TABLE);
  const raw = (sql: string, trx?: Trx) => (trx ?? db.connection).raw(sql);
  /** The database's time now, in ms since the epoch, as an SQL expression. */
  const NOW_SQL = nowMsSql(String(db.dialect.client));
  const now = (trx?: Trx) => raw(NOW_SQL, trx);
  const nowPlus = (ms: number, trx?: Trx) =>
    raw(`(${NOW_SQL} + ${Math.max(0, Math.round(ms))})`, trx);

  /** Rows no live lease holds (the panel's writes, and claims). */
  const whereFree = (query: Knex.QueryBuilder) =>
    query.whereRaw(`(lease_until_ms is null or lease_until_ms < ${NOW_SQL})`);
  /** Rows due now: behind, their time come, no live lease. */
  const whereDue = (query: Knex.QueryBuilder) =>
    whereFree(query.whereRaw('want_seq > done_seq').where('due_at_ms', '<=', now()));
  /**
   * The row a run holds: its fence unchanged and its lease not run out. A holder that stalled past
   * its lease writes nothing, even when no other worker has claimed the row yet.
   */
  const whereHeld = (query: Knex.QueryBuilder, job: Held, trx?: Trx) =>
    query.where({ id: job.id, fence: job.fence }).where('lease_until_ms', '>', now(trx));

  /** A mark's update: behind again, due now; a publish lifts an editor's unlink. */
  const markColumns = (publish: boolean) => ({
    want_seq: db.connection.raw('want_seq + 1'),
    due_at_ms: now(),
    status: db.connection.raw(`case when status = 'processing' then status else 'pending' end`),
    // A new round counts its own attempts (a running one keeps its count until it ends).
    attempts: db.connection.raw(`case when status = 'processing' then attempts else 0 end`),
    ...(publish ? { unlinked: false } : {}),
  });

  /** A new row for a target: marked once, due now. */
  const newRow = (uid: string, target: LinkTarget, trx?: Trx) => ({
    link_key: linkKeyOf(uid, target.documentId, target.locale),
    content_type: uid,
    entry_document_id: target.documentId,
    entry_locale: target.locale,
    want_seq: 1,
    done_seq: 0,
    status: 'pending',
    unlinked: false,
    attempts: 0,
    fence: 0,
    due_at_ms: now(trx),
  });

  /**
   * Inserts marked rows for the targets that have none, in one statement; returns how many it
   * meant to insert. A row another writer inserts meanwhile is left alone (its unique key).
   */
  async function insertMissing(uid: string, targets: LinkTarget[]) {
    const byKey = new Map(targets.map((t) => [linkKeyOf(uid, t.documentId, t.locale), t]));
    if (byKey.size === 0) return 0;
    const found: unknown = await table()
      .whereIn('link_key', [...byKey.keys()])
      .select('link_key');
    for (const row of found as Array<{ link_key: string }>) byKey.delete(row.link_key);
    if (byKey.size === 0) return 0;
    await table()
      .insert([...byKey.values()].map((target) => newRow(uid, target)))
      .onConflict('link_key')
      .ignore();
    return byKey.size;
  }

  return {
    /**
     * Marks the rooms of these targets: each row's `wantSeq` goes up (a row is inserted where
     * there is none). `publish` lifts an editor's unlink. Returns how many rows were marked.
     */
    async mark(uid: string, targets: LinkTarget[], { publish }: { publish: boolean }) {
      if (targets.length === 0) return 0;
      // Every row first exists, then each is marked by this one update: a row another writer
      // inserts between the two is marked too (an update before the insert would miss it).
      await insertMissing(uid, targets);
      const keys = [...new Set(targets.map((t) => linkKeyOf(uid, t.documentId, t.locale)))];
      return table().whereIn('link_key', keys).update(markColumns(publish));
    },

    /** Marks only the targets that have no row yet (a backfill, the audit); returns how many. */
    markMissing: (uid: string, targets: LinkTarget[]) => insertMissing(uid, targets),

    /** Marks every row of a content type (its binding changed). */
    async markType(uid: string): Promise<number> {
      return table().where('content_type', uid).update(markColumns(false));
    },

    /** Ids of due rows, soonest first. */
    async findDue(limit: number): Promise<number[]> {
      const rows = (await whereDue(table().select('id'))
        .orderBy('due_at_ms', 'asc')
        .orderBy('id', 'asc')
        .limit(limit)) as Array<{ id: number }>;
      return rows.map((row) => Number(row.id));
    },

    /**
     * Claims those of `ids` that are still due, for `leaseMs`: one `UPDATE` re-checks that each
     * is behind, due and free, so two workers never both win a row; the claim token written with
     * it tells which rows this worker won.
     */
    async claim(ids: number[], leaseMs: number): Promise<Held[]> {
      if (ids.length === 0) return [];
      const token = randomUUID();
      const count = await whereDue(table().whereIn('id', ids)).update({
        claim_token: token,
        fence: db.connection.raw('fence + 1'),
        lease_until_ms: nowPlus(leaseMs),
        status: 'processing',
        attempts: db.connection.raw('attempts + 1'),
      });
      if (count === 0) return [];
      const rows = (await table().where('claim_token', token)) as Array<Record<string, unknown>>;
      return rows.map((row) => {
        const link = rowFrom(row);
        return { ...link, seenSeq: link.wantSeq };
      });
    },

    /** Milliseconds until the next row is due, or a lease runs out; null when none will be. */
    async nextDueInMs(): Promise<number | null> {
      const found: unknown = await table()
        .whereRaw('want_seq > done_seq')
        .select(
          raw(
            `min(case when lease_until_ms is not null and lease_until_ms > due_at_ms then lease_until_ms else due_at_ms end) - ${NOW_SQL} as ms`
          )
        );
      const [row] = found as Array<{ ms: unknown }>;
      const ms = num(row?.ms);
      return ms === null ? null : Math.max(0, ms);
    },

    /** Extends a held lease that has not run out; false when the row is not held any more. */
    async renew(job: Held, leaseMs: number): Promise<boolean> {
      const count = await whereHeld(table(), job).update({ lease_until_ms: nowPlus(leaseMs) });
      return count === 1;
    },

    /** Writes a step's result on a held row; false when the row is not held any more. */
    async record(job: Held, change: RowChange, trx?: Trx): Promise<boolean> {
      const count = await whereHeld(table(trx), job, trx).update(changeColumns(change));
      return count === 1;
    },

    /**
     * Ends a held row's run: what the claim saw is reconciled (a mark since leaves the row behind,
     * and due again). `status` is what the row shows once reconciled.
     */
    async finish(
      job: Held,
      end: {
        status: LinkStatus;
        entryRowId?: number | null;
        lastError?: string | null;
        change?: RowChange;
      },
      trx?: Trx
    ): Promise<boolean> {
      const seen = Number(job.seenSeq);
      const count = await whereHeld(table(trx), job, trx).update({
        ...(end.change ? changeColumns(end.change) : {}),
        done_seq: seen,
        status: raw(`case when want_seq > ${seen} then 'pending' else '${end.status}' end`, trx),
        ...(end.entryRowId === undefined ? {} : { entry_row_id: end.entryRowId }),
        last_error: end.lastError ? sanitizeReason(end.lastError) : null,
        // Kept to be shown; a round marked meanwhile starts its own count.
        attempts: raw(`case when want_seq > ${seen} then 0 else attempts end`, trx),
        lease_until_ms: null,
        claim_token: null,
        synced_at_ms: now(trx),
      });
      return count === 1;
    },

    /** Whether another row, under a live lease, has recorded the intent to create `params`. */
    async createInFlight(job: Held, params: RoomParams): Promise<boolean> {
      const found: unknown = await table()
        .whereNotNull('intent')
        .whereNot('id', job.id)
        .where('lease_until_ms', '>', now())
        .select('intent');
      return (found as Array<{ intent: unknown }>).some((row) => {
        const intent = parseIntent(row.intent);
        return intent?.params ? sameParams(intent.params, params) : false;
      });
    },

    /** A held row's attempt failed for a passing reason: due again after `delayMs`. */
    async retry(job: Held, reason: string, delayMs: number): Promise<boolean> {
      const count = await whereHeld(table(), job).update({
        status: 'retrying',
        last_error: sanitizeReason(reason),
        due_at_ms: nowPlus(delayMs),
        lease_until_ms: null,
        claim_token: null,
      });
      return count === 1;
    },

    /** A held row handed back unstarted (shutdown, no API key): due after `delayMs`, attempt back. */
    async release(job: Held, delayMs: number): Promise<boolean> {
      const count = await whereHeld(table(), job).update({
        status: job.attempts > 1 ? 'retrying' : 'pending',
        attempts: raw('case when attempts > 0 then attempts - 1 else 0 end'),
        due_at_ms: nowPlus(delayMs),
        lease_until_ms: null,
        claim_token: null,
      });
      return count === 1;
    },

    /** Removes a held row, unless it was marked since it was claimed. */
    async drop(job: Held, trx?: Trx): Promise<boolean> {
      const count = await whereHeld(table(trx), job, trx).where({ want_seq: job.seenSeq }).delete();
      return count === 1;
    },

    async byKey(linkKey: string): Promise<LinkRow | null> {
      const [row] = (await table().where('link_key', linkKey)) as Array<Record<string, unknown>>;
      return row ? rowFrom(row) : null;
    },

    /** One page of rows after `afterId`, for the audit. */
    async page(afterId: number, limit: number): Promise<LinkRow[]> {
      const rows = (await table()
        .where('id', '>', afterId)
        .orderBy('id', 'asc')
        .limit(limit)) as Array<Record<string, unknown>>;
      return rows.map(rowFrom);
    },

    /**
     * The panel's compare-and-set: changes a row no live lease holds, if its `fence` is still
     * `fence`, and marks it. False when a worker holds it or it changed since it was read.
     */
    async change(
      row: Pick<LinkRow, 'id' | 'fence'>,
      data: RowChange & { unlinked?: boolean; resetFailures?: boolean; status?: LinkStatus },
      trx?: Trx
    ): Promise<boolean> {
      const count = await whereFree(table(trx).where({ id: row.id, fence: row.fence })).update({
        ...changeColumns(data),
        ...(data.unlinked === undefined ? {} : { unlinked: data.unlinked }),
        ...(data.resetFailures ? { attempts: 0, last_error: null } : {}),
        want_seq: raw('want_seq + 1', trx),
        due_at_ms: now(trx),
        status: data.status ?? (data.unlinked ? 'unlinked' : 'pending'),
        fence: raw('fence + 1', trx),
      });
      return count === 1;
    },

    /** Inserts a row for a target that has none (the panel's Link). Throws a unique violation. */
    async insert(
      uid: string,
      target: LinkTarget,
      change: RowChange & { status?: LinkStatus },
      trx?: Trx
    ): Promise<void> {
      await table(trx).insert({
        ...newRow(uid, target, trx),
        status: change.status ?? 'pending',
        ...changeColumns(change),
      });
    },

    /** How the rows of one content type stand, by status (one grouped query). */
    async countByStatus(uid: string): Promise<Record<LinkStatus, number>> {
      const found: unknown = await table()
        .select('status')
        .count({ n: '*' })
        .where('content_type', uid)
        .groupBy('status');
      const counts = new Map(
        (found as Array<{ status: string; n: unknown }>).map((r) => [r.status, r.n])
      );
      return Object.fromEntries(
        LINK_STATUSES.map((status) => [status, Number(counts.get(status) ?? 0)])
      ) as Record<LinkStatus, number>;
    },
  };
}

export type Links = ReturnType<typeof createLinks>;
