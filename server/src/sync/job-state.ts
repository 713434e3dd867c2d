/**
 * A room link row's states, and every transition between them as a pure function. The job
 * runner (`runner.ts`) is the only code that writes these transitions to the database.
 *
 * One row per room an entry should have (content type + documentId + locale, `*` when the whole
 * document shares one room). `operation` says what the next run does: `sync` makes the room (or
 * edits it to match the entry), `delete` deletes it, `recreate` deletes it and makes a new one.
 *
 *                     publish, sweep, backfill, Retry now
 *      (no row) ──────────────────────────────────────────────┐
 *                                                             ▼
 *          ┌──── publish, Retry now, Link ─── unlinked     pending ◄──────── retrying
 *          │                                    ▲            │ claim            ▲
 *          │                                    │ Unlink     │ fence + 1        │ retry
 *          ▼                                    │            ▼ attempts + 1     │ (attempts left)
 *       pending ◄── publish (recheck) ──── created ◄─ synced ─ processing ───────┘
 *                                                            │   │   │
 *             failed ◄── failed, or retry with no attempts ──┘   │   └── released, deferred:
 *               │         left, or claimed past maxAttempts      │       back as it was
 *               └── publish, Retry now ──► pending               │
 *                                                  removed, forgotten (the room was deleted,
 *                                                  the entry is gone, the type is unbound)
 *                                                                ▼
 *                                                             (no row)
 *
 * - **Fencing.** Every claim raises `fence` by one; it never goes down. A worker writes its
 *   job's row only where `fence` is still the value its claim wrote, so a worker that lost its
 *   lease writes nothing. Because each claim changes `fence`, a claim's compare-and-set always
 *   changes the row it matches: MySQL, which counts changed rows rather than matched ones,
 *   reports the same count as SQLite and PostgreSQL.
 * - **Attempts.** Every claim counts (a job that kills its process counts too); a row claimed
 *   past `maxAttempts` is failed before any work. Only a row given back unstarted (shutdown, no
 *   API key) gets its attempt back.
 * - **Run again.** A publish while a job runs sets `runAgain`; when that job ends `created` or
 *   `failed`, the row goes back to `pending` and runs once more with the entry as it is now.
 * - **Called-off delete.** A publish while a delete waits turns it back into a `sync`; a publish
 *   while a delete runs does too, and the finished delete queues a new room.
 */
import type { LinkStatus, RoomOperation } from '../../../contracts/rooms';
import type { RoomParams } from '../iflychat/client';
import { sanitizeReason } from '../utils/sanitize';

export type { LinkStatus, RoomOperation };

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
  /** The room as last sent to (or read from) iFlyChat; null when unknown. */
  roomName: string | null;
  roomRole: string | null;
  roomPrivate: boolean | null;
  roomModerate: boolean | null;
  /** Claims since the job was last queued. */
  attempts: number;
  /** Raised by one on every claim, never lowered: the claim's fencing token. */
  fence: number | null;
  /** A publish came in while the job ran: run it once more when it ends. */
  runAgain: boolean | null;
  lastError: string | null;
  mayHaveCreated: boolean | null;
  nextAttemptAt: string | Date | null;
  leaseExpiresAt: string | Date | null;
  /** Written by the claim that holds the row: tells a worker which rows of a batch it won. */
  claimToken?: string | null;
  syncedAt: string | Date | null;
}

/** A row this worker claimed: `previous` is the row as it was read before the claim. */
export interface ClaimedJob extends RoomLink {
  status: 'processing';
  fence: number;
  previous: RoomLink;
}

export type RowPatch = Partial<Omit<RoomLink, 'id'>>;

/** What a handler decided; the runner applies it to the row in one transaction. */
export type Outcome =
  /** The entry has this room, as described (null: not known); `event` is what changed. */
  | {
      kind: 'synced';
      roomId: string;
      room: RoomParams | null;
      event: 'created' | 'updated' | null;
      /** A room id the row held before and no longer does (a recreate). */
      replacedRoomId?: string;
    }
  /** A delete job is done: the room is gone (or there was none); the row goes. */
  | { kind: 'removed'; deletedRoomId: string | null }
  /** The row goes and the room (if any) is left alone: the entry is gone, or the type unbound. */
  | { kind: 'forgotten'; reason: string }
  | {
      kind: 'retry';
      reason: string;
      retryAfterSeconds?: number;
      mayHaveCreated: boolean;
      /** The old room was deleted (a recreate): the row and the entry forget it. */
      roomDropped?: boolean;
    }
  | { kind: 'failed'; reason: string; mayHaveCreated: boolean; roomDropped?: boolean }
  /** The lease was lost: the row is left to whoever holds it now. */
  | { kind: 'released' }
  /** Nothing could be tried (no API key): the row goes back untouched, due after `delayMs`. */
  | { kind: 'deferred'; delayMs: number };

export const DUE_STATUSES: LinkStatus[] = ['pending', 'retrying'];

/** The data a claim writes. */
export function claimPatch(row: RoomLink, leaseExpiresAt: Date): RowPatch & { fence: number } {
  return {
    status: 'processing',
    attempts: (row.attempts ?? 0) + 1,
    fence: (row.fence ?? 0) + 1,
    leaseExpiresAt,
    // If this process dies while a create call is in flight, the next attempt reconciles
    // instead of making a second room. A delete never creates.
    mayHaveCreated: row.operation === 'delete' ? Boolean(row.mayHaveCreated) : true,
  };
}

/** The row as this worker holds it after a successful claim. */
export function claimedJob(row: RoomLink, patch: ReturnType<typeof claimPatch>): ClaimedJob {
  return {
    ...row,
    ...patch,
    status: 'processing',
    fence: patch.fence,
    // The handlers see the mark as it was before this attempt.
    mayHaveCreated: row.mayHaveCreated,
    previous: row,
  };
}

/** A job claimed more often than allowed is failed before any work (a poison job). */
export function exhausted(job: ClaimedJob, maxAttempts: number): Outcome | null {
  if (job.attempts <= maxAttempts) return null;
  const last = job.lastError ?? 'its worker stopped each time before finishing';
  return {
    kind: 'failed',
    reason: `gave up after ${maxAttempts} attempts: ${last}`,
    mayHaveCreated: Boolean(job.mayHaveCreated),
  };
}

/** A retry with no attempts left is a failure. */
export function finalOutcome(job: ClaimedJob, outcome: Outcome, maxAttempts: number): Outcome {
  if (outcome.kind !== 'retry' || job.attempts < maxAttempts) return outcome;
  return {
    kind: 'failed',
    reason: `gave up after ${job.attempts} attempts: ${outcome.reason}`,
    mayHaveCreated: outcome.mayHaveCreated,
    roomDropped: outcome.roomDropped,
  };
}

/** What the row's fields say the room is. */
export function knownRoom(link: RoomLink): RoomParams | null {
  if (link.roomName === null || link.roomRole === null) return null;
  return {
    name: link.roomName,
    role: link.roomRole,
    private: Boolean(link.roomPrivate),
    moderate: Boolean(link.roomModerate),
  };
}

/** Whether the room as last sent differs from what the entry asks for now. */
export function roomDiffers(link: RoomLink, room: RoomParams): boolean {
  return (
    link.roomName !== room.name ||
    link.roomRole !== room.role ||
    link.roomPrivate === null ||
    link.roomModerate === null ||
    Boolean(link.roomPrivate) !== room.private ||
    Boolean(link.roomModerate) !== room.moderate
  );
}

const NO_ROOM: RowPatch = {
  roomId: null,
  roomName: null,
  roomRole: null,
  roomPrivate: null,
  roomModerate: null,
};

/** Back in the queue, due now, with a fresh count of attempts. */
export function requeuePatch(now: Date): RowPatch {
  return { status: 'pending', attempts: 0, runAgain: false, nextAttemptAt: now };
}

/** The row as it stands now (read in the applying transaction) decides a few things. */
export interface RowNow {
  operation: RoomOperation;
  runAgain: boolean | null;
}

/**
 * The row's new data for an outcome that keeps the row (`synced`, `retry`, `failed`,
 * `released`, `deferred`), given the row as it stands now: a delete queued while the job ran
 * comes next, and a "run again" mark queues the job once more. `delayMs` is the retry delay.
 */
export function outcomePatch(
  job: ClaimedJob,
  outcome: Exclude<Outcome, { kind: 'removed' | 'forgotten' }>,
  now: RowNow,
  at: Date,
  delayMs = 0
): RowPatch {
  const deleteQueued = now.operation === 'delete' && job.operation !== 'delete';
  const deleteCalledOff = job.operation === 'delete' && now.operation !== 'delete';
  const next = (patch: RowPatch): RowPatch =>
    deleteQueued || now.runAgain || deleteCalledOff ? { ...patch, ...requeuePatch(at) } : patch;
  switch (outcome.kind) {
    case 'synced':
      return next({
        // A recreate that made its room is a plain room again.
        operation: now.operation === 'recreate' ? 'sync' : now.operation,
        status: 'created',
        roomId: outcome.roomId,
        roomName: outcome.room?.name ?? null,
        roomRole: outcome.room?.role ?? null,
        roomPrivate: outcome.room?.private ?? null,
        roomModerate: outcome.room?.moderate ?? null,
        lastError: null,
        mayHaveCreated: false,
        nextAttemptAt: null,
        leaseExpiresAt: null,
        syncedAt: at,
      });
    case 'failed':
      return next({
        ...(outcome.roomDropped ? NO_ROOM : {}),
        status: 'failed',
        lastError: sanitizeReason(outcome.reason),
        mayHaveCreated: outcome.mayHaveCreated,
        nextAttemptAt: null,
        leaseExpiresAt: null,
        syncedAt: at,
      });
    case 'retry':
      return {
        ...(outcome.roomDropped ? NO_ROOM : {}),
        status: 'retrying',
        lastError: sanitizeReason(outcome.reason),
        mayHaveCreated: outcome.mayHaveCreated,
        nextAttemptAt: new Date(at.getTime() + delayMs),
        leaseExpiresAt: null,
      };
    case 'released':
      return { status: 'pending', leaseExpiresAt: null, nextAttemptAt: at };
    case 'deferred':
      return {
        status: job.previous.status === 'retrying' ? 'retrying' : 'pending',
        attempts: Math.max(0, job.attempts - 1),
        mayHaveCreated: Boolean(job.mayHaveCreated),
        leaseExpiresAt: null,
        nextAttemptAt: new Date(at.getTime() + outcome.delayMs),
      };
  }
}

/** A claimed row handed back unstarted (shutdown): as it was, with its attempt given back. */
export function unstartedPatch(job: ClaimedJob): RowPatch {
  return {
    status: job.previous.status === 'processing' ? 'pending' : job.previous.status,
    attempts: Math.max(0, job.attempts - 1),
    mayHaveCreated: Boolean(job.mayHaveCreated),
    leaseExpiresAt: null,
  };
}
