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
import { describe } from '../utils/errors';
import { LeaseLostError, type RoomCalls } from './calls';
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
  /** The last step's result, written with the end (one commit instead of two). */
  change?: RowChange;
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

function applyChange(row: Held, change: RowChange) {
  if (change.room) {
    row.roomId = change.room.roomId;
    row.sent = change.room.sent;
  }
  if (change.intent !== undefined) row.intent = change.intent;
  if (change.retireRoomId !== undefined) row.retireRoomId = change.retireRoomId;
}

/** What the steps of one run share: the row as recorded so far, and how to record more. */
interface Steps {
  row: Held;
  ctx: ReconcileContext;
  desired: Desired;
  /** The old room was retired in this run (a Recreate): the new one is an update. */
  replaced: boolean;
  /** Writes a step's result on the row (and applies it here); throws when the row is lost. */
  record(change: RowChange, effects?: Effects): Promise<void>;
  /**
   * Records what an iFlyChat call did, with the next write: the next step's (before any call it
   * makes) or the run's end. Lost with a crash, it is found again as a lost answer is (the intent,
   * or params recorded unknown, were written before the call).
   */
  recordAfter(change: RowChange, effects?: Effects, after?: () => void): void;
  /** Writes what `recordAfter` holds, if anything. */
  flush(): Promise<void>;
  pending: { change: RowChange; effects: Effects; after?: () => void } | null;
  /** The effect writing `roomId` on the entry's rows (none when the row leaves them alone). */
  writeBack(roomId: string | null): Effects;
}

async function runSteps(
  job: Held,
  present: PresentRead,
  ctx: ReconcileContext,
  run: Run
): Promise<void> {
  const row = { ...job };
  const field = present.roomIdField;
  const s: Steps = {
    row,
    ctx,
    desired: present.desired,
    replaced: false,
    pending: null,
    async record(change, effects) {
      await s.flush();
      if (!(await ctx.store.record(row, change, effects))) throw new RowLostError();
      applyChange(row, change);
    },
    recordAfter(change, effects = {}, after) {
      // Steps never leave two results to write: each step's first write flushes the last one.
      s.pending = { change, effects, after };
      applyChange(row, change);
    },
    async flush() {
      const pending = s.pending;
      if (!pending) return;
      s.pending = null;
      if (!(await ctx.store.record(row, pending.change, pending.effects))) {
        throw new RowLostError();
      }
      pending.after?.();
    },
    writeBack: (roomId) => (field ? { writeBack: { field, roomId } } : {}),
  };
  try {
    await stepUntilSettled(s, present, run);
  } catch (error) {
    // What a call did is kept, whatever failed after it (unless the row is lost).
    await s.flush().catch(() => undefined);
    throw error;
  }
}

async function stepUntilSettled(s: Steps, present: PresentRead, run: Run): Promise<void> {
  const { row, ctx } = s;
  for (let i = 0; i < MAX_STEPS; i += 1) {
    const step: Step = plan(s.desired, recordedOf(row));
    run.step = step.kind;
    switch (step.kind) {
      case 'done':
        return done(s, present);
      case 'fail':
        await s.flush();
        return fail(row, ctx, step.reason, present.entryRowId, null);
      case 'drop':
        await s.flush();
        if (!(await ctx.store.drop(row))) throw new RowLostError();
        return;
      case 'find':
        await findLost(s, step.intent.params);
        break;
      case 'retire':
        await deleteRemote(ctx, step.roomId);
        await s.record({ retireRoomId: null }, { release: [step.roomId] });
        ctx.log.info(
          `[iflychat] room ${step.roomId} deleted to be made again for ${entryLabel(row)}`
        );
        s.replaced = true;
        break;
      case 'adopt':
        await adopt(s, step.roomId, step.params);
        break;
      case 'create':
        await create(s, step.params);
        break;
      case 'edit':
        await edit(s, step.roomId, step.params);
        break;
      case 'check':
        await check(s, step.roomId);
        break;
      case 'delete':
        await remove(s, step.roomId);
        break;
    }
  }
  throw new Error(`the room of ${entryLabel(row)} did not settle in ${MAX_STEPS} steps`);
}

/** A create whose answer was lost: its room, if iFlyChat made it, is adopted (or, unwanted, deleted). */
async function findLost(s: Steps, asked: RoomParams | null) {
  const { row, ctx, desired } = s;
  const wanted = asked ?? (desired.kind === 'room' ? desired.params : null);
  const match = wanted ? await findUnowned(ctx, row, wanted) : null;
  if (match && (row.roomId || (desired.kind === 'leave' && desired.why === 'unlinked'))) {
    // A second room made by a lost answer, which nobody wants: it goes.
    await deleteRemote(ctx, match.roomId);
    await s.record({ intent: null });
  } else if (match) {
    await s.record(
      { intent: null, room: { roomId: match.roomId, sent: paramsOf(match) } },
      { claim: match.roomId, ...s.writeBack(match.roomId) }
    );
    ctx.log.info(
      `[iflychat] room ${match.roomId} made by a lost answer adopted for ${entryLabel(row)}`
    );
    ctx.emit(row, 'created', match.roomId);
  } else {
    await s.record({ intent: null });
  }
}

/** A room id the entry carried: adopted when iFlyChat lists it and no other entry owns it. */
async function adopt(s: Steps, roomId: string, params: RoomParams) {
  const { row, ctx } = s;
  const listed = (await ctx.calls.listRooms()).find((room) => room.roomId === roomId);
  const owner = listed ? await ctx.store.ownerOf(roomId) : null;
  if (listed && (!owner || owner === row.linkKey)) {
    await s.record(
      { room: { roomId: listed.roomId, sent: paramsOf(listed) } },
      { claim: listed.roomId, ...s.writeBack(listed.roomId) }
    );
    ctx.log.info(`[iflychat] room ${listed.roomId} adopted for ${entryLabel(row)}`);
    ctx.emit(row, 'created', listed.roomId);
    return;
  }
  ctx.log.warn(
    `[iflychat] ${entryLabel(row)} carried room id ${roomId}, which ${listed ? 'another entry owns' : 'iFlyChat does not list'}; it gets a room of its own`
  );
  s.desired = { kind: 'room', params };
}

/** Intent before effect: what is sent is recorded first, so a lost answer can be matched. */
async function create(s: Steps, params: RoomParams) {
  const { row, ctx } = s;
  await s.record({ intent: { params } });
  let roomId: string;
  try {
    roomId = (await ctx.calls.createRoom(params)).roomId;
  } catch (error) {
    // Refused, or never sent: no room was made, and there is nothing to look for.
    if (isIflychatError(error) && !error.mayHaveReachedServer) await s.record({ intent: null });
    throw error;
  }
  const event = s.replaced ? 'updated' : 'created';
  s.recordAfter(
    { intent: null, room: { roomId, sent: params } },
    { claim: roomId, ...s.writeBack(roomId) },
    () => {
      ctx.log.info(`[iflychat] room ${roomId} "${params.name}" ready for ${entryLabel(row)}`);
      ctx.emit(row, event, roomId);
    }
  );
}

/** Params unknown until the answer is recorded: an edit whose answer is lost is made again. */
async function edit(s: Steps, roomId: string, params: RoomParams) {
  const { row, ctx } = s;
  await s.record({ room: { roomId, sent: null } });
  if (!(await editOrGone(ctx, roomId, params))) {
    // The room is gone from iFlyChat (a delete whose answer was lost): the entry gets a new one.
    await s.record({ room: { roomId: null, sent: null } }, { release: [roomId] });
    ctx.log.warn(`[iflychat] room ${roomId} of ${entryLabel(row)} is gone from iFlyChat`);
    return;
  }
  s.recordAfter({ room: { roomId, sent: params } }, {}, () => {
    ctx.log.info(`[iflychat] room ${roomId} edited for ${entryLabel(row)}`);
    ctx.emit(row, 'updated', roomId);
  });
}

/** A room whose last call's answer was lost, kept: looked up, and forgotten if it is gone. */
async function check(s: Steps, roomId: string) {
  const listed = (await s.ctx.calls.listRooms()).find((room) => room.roomId === roomId);
  if (listed) await s.record({ room: { roomId, sent: paramsOf(listed) } });
  else
    await s.record(
      { room: { roomId: null, sent: null } },
      { release: [roomId], ...s.writeBack(null) }
    );
}

/**
 * Params unknown until the delete is recorded: a publish meanwhile edits the room back (or, if
 * the delete went through, finds it gone and makes a new one).
 */
async function remove(s: Steps, roomId: string) {
  const { row, ctx } = s;
  await s.record({ room: { roomId, sent: null } });
  await deleteRemote(ctx, roomId);
  await s.record(
    { room: { roomId: null, sent: null } },
    { release: [roomId], ...s.writeBack(null) }
  );
  ctx.log.info(`[iflychat] room ${roomId} deleted for ${entryLabel(row)}`);
  ctx.emit(row, 'deleted', roomId);
}

/** The row is reconciled: the entry's rows show its room id, and the run is recorded. */
async function done(s: Steps, present: PresentRead) {
  const { row, ctx, desired } = s;
  const expected = row.roomId ?? '';
  const stale =
    present.roomIdField !== null &&
    desired.kind !== 'forget' &&
    present.fieldValues.some((value) => asText(value) !== expected);
  const pending = s.pending;
  s.pending = null;
  const effects: Effects = {
    ...pending?.effects,
    ...(stale ? { writeBack: { field: present.roomIdField as string, roomId: row.roomId } } : {}),
  };
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
  if (!(await ctx.store.finish(row, { ...end, change: pending?.change }, effects))) {
    throw new RowLostError();
  }
  pending?.after?.();
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
