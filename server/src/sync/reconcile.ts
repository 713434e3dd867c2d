/**
 * One run of the reconciler on one held row: read the present once, then plan a step (`plan.ts`),
 * make it, record its result on the row (guarded by the claim's fence), and plan again, until
 * the row is done, failed or dropped. A create records its intent before the call, so a lost
 * answer is matched later against what was asked, never against what the entry has become.
 *
 * Everything it touches is an interface: the row store, iFlyChat's calls and the present, so the
 * same code runs against the database (`store.ts`) and against the model of the unit tests.
 */
import type { RoomEventKind } from '../events/room-events';
import type { RoomParams, RoomSummary } from '../iflychat/client';
import { IflychatApiError, isIflychatError } from '../iflychat/errors';
import { asText } from '../utils/text';
import { describe, LeaseLostError, type RoomCalls } from './calls';
import type { Held, RowChange } from './links';
import { recordedOf } from './links';
import { plan, sameParams, type Desired, type Step } from './plan';

/** What a step's record also does, in the same transaction. */
export interface Effects {
  /** Another entry must not own this room: claimed for this row (throws `RoomOwnedError`). */
  claim?: string;
  /** Rooms this row no longer owns. */
  release?: string[];
  /** The room id to write on the entry's rows (null: clear it). */
  writeBack?: { field: string; roomId: string | null };
}

export interface RowEnd {
  status: 'created' | 'failed' | 'unlinked';
  entryRowId?: number | null;
  lastError?: string | null;
}

export interface RowStore {
  record(job: Held, change: RowChange, effects?: Effects): Promise<boolean>;
  finish(job: Held, end: RowEnd, effects?: Effects): Promise<boolean>;
  retry(job: Held, reason: string, delayMs: number): Promise<boolean>;
  /** Removes the row (and its room claims) unless it was marked since its claim. */
  drop(job: Held): Promise<boolean>;
  ownerOf(roomId: string): Promise<string | null>;
  /** Whether another row, under a live lease, is creating a room of exactly these params. */
  createInFlight(job: Held, params: RoomParams): Promise<boolean>;
}

export interface PresentRead {
  desired: Desired;
  /** The published entry row the room follows (the audit compares it). */
  entryRowId: number | null;
  /** The binding's room id attribute; null when the type is not bound. */
  roomIdField: string | null;
  /** The room id attribute's value on each row of the entry. */
  fieldValues: unknown[];
}

export interface ReconcileContext {
  store: RowStore;
  calls: RoomCalls;
  read(job: Held): Promise<PresentRead>;
  maxAttempts: number;
  retryDelayMs(attempts: number, retryAfterSeconds?: number): number;
  log: { info(message: string): void; warn(message: string): void };
  emit(job: Held, kind: RoomEventKind, roomId: string | null, reason?: string): void;
}

/** A step found its row taken by another worker: the run ends, writing nothing more. */
class RowLostError extends Error {}

/** Steps in one run at most (a find, a retire, a create and an edit is the longest path). */
const MAX_STEPS = 8;

export function entryLabel(job: Pick<Held, 'contentType' | 'entryDocumentId' | 'entryLocale'>) {
  const locale = job.entryLocale === '*' ? '' : ` (${job.entryLocale})`;
  return `${job.contentType} ${job.entryDocumentId}${locale}`;
}

const paramsOf = (room: RoomSummary): RoomParams => ({
  name: room.name,
  role: room.role,
  private: room.private,
  moderate: room.moderate,
});

export async function reconcile(job: Held, ctx: ReconcileContext): Promise<void> {
  if (job.attempts > ctx.maxAttempts) {
    const last = job.lastError ?? 'its worker stopped each time before finishing';
    await fail(job, ctx, `gave up after ${ctx.maxAttempts} attempts: ${last}`);
    return;
  }
  const run: Run = { step: null, entryRowId: job.entryRowId };
  try {
    const present = await ctx.read(job);
    run.entryRowId = present.entryRowId;
    await runSteps(job, present, ctx, run);
  } catch (error) {
    if (error instanceof RowLostError || error instanceof LeaseLostError) {
      ctx.log.info(
        `[iflychat] the job of ${entryLabel(job)} ended before its last write: it was marked again, or another worker holds it`
      );
      return;
    }
    await failOrRetry(job, ctx, error, run);
  }
}

/** How far a run got: the step being made, and the entry version it followed. */
interface Run {
  step: Step['kind'] | null;
  entryRowId: number | null;
}

async function runSteps(
  job: Held,
  present: PresentRead,
  ctx: ReconcileContext,
  run: Run
): Promise<void> {
  const row = { ...job };
  /** Steps of this run that change the row and must be written: applies and checks the fence. */
  const record = async (change: RowChange, effects?: Effects) => {
    if (!(await ctx.store.record(row, change, effects))) throw new RowLostError();
    if (change.room) {
      row.roomId = change.room.roomId;
      row.sent = change.room.sent;
    }
    if (change.intent !== undefined) row.intent = change.intent;
    if (change.retireRoomId !== undefined) row.retireRoomId = change.retireRoomId;
  };
  const field = present.roomIdField;
  const writeBack = (roomId: string | null) => (field ? { writeBack: { field, roomId } } : {});
  let desired = present.desired;
  let replaced = false;

  for (let i = 0; i < MAX_STEPS; i += 1) {
    const step: Step = plan(desired, recordedOf(row));
    run.step = step.kind;
    switch (step.kind) {
      case 'done':
        return done(row, present, desired, ctx);
      case 'fail':
        return fail(row, ctx, step.reason, present.entryRowId, null);
      case 'drop':
        if (!(await ctx.store.drop(row))) throw new RowLostError();
        return;
      case 'find': {
        const wanted = step.intent.params ?? (desired.kind === 'room' ? desired.params : null);
        const match = wanted ? await findUnowned(ctx, row, wanted) : null;
        if (match && (row.roomId || (desired.kind === 'leave' && desired.why === 'unlinked'))) {
          // A second room made by a lost answer, which nobody wants: it goes.
          await deleteRemote(ctx, match.roomId);
          await record({ intent: null });
        } else if (match) {
          await record(
            { intent: null, room: { roomId: match.roomId, sent: paramsOf(match) } },
            { claim: match.roomId, ...writeBack(match.roomId) }
          );
          ctx.log.info(
            `[iflychat] room ${match.roomId} made by a lost answer adopted for ${entryLabel(row)}`
          );
          ctx.emit(row, 'created', match.roomId);
        } else {
          await record({ intent: null });
        }
        break;
      }
      case 'retire':
        await deleteRemote(ctx, step.roomId);
        await record({ retireRoomId: null }, { release: [step.roomId] });
        ctx.log.info(
          `[iflychat] room ${step.roomId} deleted to be made again for ${entryLabel(row)}`
        );
        replaced = true;
        break;
      case 'adopt': {
        const listed = (await ctx.calls.listRooms()).find((room) => room.roomId === step.roomId);
        const owner = listed ? await ctx.store.ownerOf(step.roomId) : null;
        if (listed && (!owner || owner === row.linkKey)) {
          await record(
            { room: { roomId: listed.roomId, sent: paramsOf(listed) } },
            { claim: listed.roomId, ...writeBack(listed.roomId) }
          );
          ctx.log.info(`[iflychat] room ${listed.roomId} adopted for ${entryLabel(row)}`);
          ctx.emit(row, 'created', listed.roomId);
        } else {
          ctx.log.warn(
            `[iflychat] ${entryLabel(row)} carried room id ${step.roomId}, which ${listed ? 'another entry owns' : 'iFlyChat does not list'}; it gets a room of its own`
          );
          desired = { kind: 'room', params: step.params };
        }
        break;
      }
      case 'create': {
        await record({ intent: { params: step.params } });
        let roomId: string;
        try {
          roomId = (await ctx.calls.createRoom(step.params)).roomId;
        } catch (error) {
          // Refused, or never sent: no room was made, and there is nothing to look for.
          if (isIflychatError(error) && !error.mayHaveReachedServer) await record({ intent: null });
          throw error;
        }
        await record(
          { intent: null, room: { roomId, sent: step.params } },
          { claim: roomId, ...writeBack(roomId) }
        );
        ctx.log.info(
          `[iflychat] room ${roomId} "${step.params.name}" ready for ${entryLabel(row)}`
        );
        ctx.emit(row, replaced ? 'updated' : 'created', roomId);
        break;
      }
      case 'edit':
        // Params unknown until the answer is recorded: an edit whose answer is lost is made again.
        await record({ room: { roomId: step.roomId, sent: null } });
        if (!(await editOrGone(ctx, step.roomId, step.params))) {
          // The room is gone from iFlyChat (a delete whose answer was lost): the entry gets a new one.
          await record({ room: { roomId: null, sent: null } }, { release: [step.roomId] });
          ctx.log.warn(
            `[iflychat] room ${step.roomId} of ${entryLabel(row)} is gone from iFlyChat`
          );
          break;
        }
        await record({ room: { roomId: step.roomId, sent: step.params } });
        ctx.log.info(`[iflychat] room ${step.roomId} edited for ${entryLabel(row)}`);
        ctx.emit(row, 'updated', step.roomId);
        break;
      case 'check': {
        const listed = (await ctx.calls.listRooms()).find((room) => room.roomId === step.roomId);
        if (listed) await record({ room: { roomId: listed.roomId, sent: paramsOf(listed) } });
        else
          await record(
            { room: { roomId: null, sent: null } },
            { release: [step.roomId], ...writeBack(null) }
          );
        break;
      }
      case 'delete':
        // Params unknown until the delete is recorded: a publish meanwhile edits the room back
        // (or, if the delete went through, finds it gone and makes a new one).
        await record({ room: { roomId: step.roomId, sent: null } });
        await deleteRemote(ctx, step.roomId);
        await record(
          { room: { roomId: null, sent: null } },
          { release: [step.roomId], ...writeBack(null) }
        );
        ctx.log.info(`[iflychat] room ${step.roomId} deleted for ${entryLabel(row)}`);
        ctx.emit(row, 'deleted', step.roomId);
        break;
    }
  }
  throw new Error(`the room of ${entryLabel(row)} did not settle in ${MAX_STEPS} steps`);
}

/** The row is reconciled: the entry's rows show its room id, and the run is recorded. */
async function done(row: Held, present: PresentRead, desired: Desired, ctx: ReconcileContext) {
  const expected = row.roomId ?? '';
  const stale =
    present.roomIdField !== null &&
    desired.kind !== 'forget' &&
    present.fieldValues.some((value) => asText(value) !== expected);
  const effects: Effects = stale
    ? { writeBack: { field: present.roomIdField as string, roomId: row.roomId } }
    : {};
  let end: RowEnd = { status: 'created', entryRowId: present.entryRowId };
  if (!row.roomId) {
    const why =
      desired.kind === 'leave' && desired.why === 'unbound'
        ? `${row.contentType} is no longer bound to iFlyChat in the plugin's settings`
        : 'the entry is not published';
    end =
      desired.kind === 'leave' && desired.why === 'unlinked'
        ? { status: 'unlinked', entryRowId: present.entryRowId }
        : { status: 'failed', entryRowId: present.entryRowId, lastError: why };
  }
  if (!(await ctx.store.finish(row, end, effects))) throw new RowLostError();
}

async function fail(
  job: Held,
  ctx: ReconcileContext,
  reason: string,
  entryRowId?: number | null,
  step?: Step['kind'] | null
) {
  if (!(await ctx.store.finish(job, { status: 'failed', lastError: reason, entryRowId }))) return;
  const deleting = step === 'delete' || step === 'retire';
  const what = deleting
    ? 'could not delete the room of'
    : job.roomId
      ? 'the room of'
      : 'no room for';
  ctx.log.warn(`[iflychat] ${what} ${entryLabel(job)}: ${reason}`);
  ctx.emit(job, 'failed', job.roomId, reason);
}

/** A failed call: retried with backoff while attempts are left, failed for good otherwise. */
async function failOrRetry(job: Held, ctx: ReconcileContext, error: unknown, run: Run) {
  const reason = describe(error);
  const refused = isIflychatError(error) && !error.retryable;
  if (refused || job.attempts >= ctx.maxAttempts) {
    const why = refused ? reason : `gave up after ${job.attempts} attempts: ${reason}`;
    return fail(job, ctx, why, run.entryRowId, run.step);
  }
  const retryAfter = error instanceof IflychatApiError ? error.retryAfterSeconds : undefined;
  const delayMs = ctx.retryDelayMs(job.attempts, retryAfter);
  if (await ctx.store.retry(job, reason, delayMs)) {
    const what = run.step === 'delete' ? 'deleting the room of' : 'the room for';
    ctx.log.info(
      `[iflychat] ${what} ${entryLabel(job)} will be retried in ${Math.round(delayMs / 1000)} s: ${reason}`
    );
  }
}

/** A room of this exact description that no other entry owns (made by a lost answer). */
async function findUnowned(ctx: ReconcileContext, row: Held, wanted: RoomParams) {
  for (const room of await ctx.calls.listRooms()) {
    if (!sameParams(paramsOf(room), wanted) || room.roomId === row.roomId) continue;
    const owner = await ctx.store.ownerOf(room.roomId);
    if (owner && owner !== row.linkKey) continue;
    // Another entry asking for the same room may have made this one, and not recorded it yet.
    if (await ctx.store.createInFlight(row, wanted)) {
      throw new Error('another entry is making a room of the same name and flags; looking again');
    }
    return room;
  }
  return null;
}

/** Edits a room; false when iFlyChat answers 404 and `rooms/list` confirms the room is gone. */
async function editOrGone(ctx: ReconcileContext, roomId: string, params: RoomParams) {
  try {
    await ctx.calls.editRoom(roomId, params);
    return true;
  } catch (error) {
    if (!(error instanceof IflychatApiError) || error.status !== 404) throw error;
    if ((await ctx.calls.listRooms()).some((room) => room.roomId === roomId)) throw error;
    return false;
  }
}

/**
 * Deletes a room in iFlyChat. A 404 counts as "already gone" only when `rooms/list` confirms
 * the room is absent: a wrong base URL, or a proxy answering 404, must not "delete" every room.
 */
async function deleteRemote(ctx: ReconcileContext, roomId: string): Promise<void> {
  try {
    await ctx.calls.deleteRoom(roomId);
  } catch (error) {
    if (!(error instanceof IflychatApiError) || error.status !== 404) throw error;
    const rooms = await ctx.calls.listRooms();
    if (rooms.some((room) => room.roomId === roomId)) throw error;
  }
}
