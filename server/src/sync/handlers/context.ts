/**
 * What a job handler may use: the claimed row, its binding, iFlyChat (each call already gated
 * and checked against the job's lease), the entry and the owners of room ids. Narrow on
 * purpose: the handlers' unit tests give them a fake of each.
 */
import type { Binding } from '../../../../contracts/config';
import type { RoomParams, RoomSummary } from '../../iflychat/client';
import { IflychatApiError, isIflychatError } from '../../iflychat/errors';
import type { ClaimedJob, Outcome } from '../job-state';
import type { Entry } from '../room-params';

export interface RoomCalls {
  createRoom(room: RoomParams): Promise<{ roomId: string }>;
  editRoom(roomId: string, room: RoomParams): Promise<void>;
  deleteRoom(roomId: string): Promise<void>;
  listRooms(): Promise<RoomSummary[]>;
}

export interface JobContext {
  job: ClaimedJob;
  /** The job's binding; undefined when its content type is no longer bound. */
  binding: Binding | undefined;
  roleMap: Record<string, string>;
  /** A room id carried by an entry's first publish is adopted (checked) instead of ignored. */
  adoptExistingRoomIds: boolean;
  client: RoomCalls;
  /** The published entry the room is named after (its locale's, or the default locale's). */
  publishedEntry(): Promise<Entry | null>;
  /** Whether any row of the entry (draft or published) still exists. */
  entryExists(): Promise<boolean>;
  /** The link key owning a room id, if any. */
  ownerOf(roomId: string): Promise<string | null>;
  log: { info(message: string): void; warn(message: string): void };
}

export type Handler = (context: JobContext) => Promise<Outcome>;

/** Thrown by a gated call when the job's lease ran out and could not be renewed. */
export class LeaseLostError extends Error {
  constructor() {
    super('the job lost its lease');
    this.name = 'LeaseLostError';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** How a job's room is named in the log: `api::x.x abc123` or `api::x.x abc123 (fr)`. */
export function entryLabel(
  job: Pick<ClaimedJob, 'contentType' | 'entryDocumentId' | 'entryLocale'>
) {
  const locale = job.entryLocale === '*' ? '' : ` (${job.entryLocale})`;
  return `${job.contentType} ${job.entryDocumentId}${locale}`;
}

/** The outcome of an error thrown by a call: retried, failed, or left to the lease's holder. */
export function errorOutcome(
  error: unknown,
  mayHaveCreated: boolean,
  extra: { roomDropped?: boolean } = {}
): Outcome {
  if (error instanceof LeaseLostError) return { kind: 'released' };
  if (isIflychatError(error) && !error.retryable) {
    return { kind: 'failed', reason: error.message, mayHaveCreated, ...extra };
  }
  const retryAfterSeconds = error instanceof IflychatApiError ? error.retryAfterSeconds : undefined;
  return {
    kind: 'retry',
    reason: describe(error),
    mayHaveCreated,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...extra,
  };
}

/**
 * Deletes a room in iFlyChat. A 404 counts as "already gone" only when `rooms/list` confirms
 * the room is absent: a wrong base URL, or a proxy answering 404, must not "delete" every room.
 */
export async function deleteRemoteRoom(context: JobContext, roomId: string): Promise<void> {
  try {
    await context.client.deleteRoom(roomId);
  } catch (error) {
    if (!(error instanceof IflychatApiError) || error.status !== 404) throw error;
    const rooms = await context.client.listRooms();
    if (rooms.some((room) => room.roomId === roomId)) throw error;
  }
}

/** Whether a room iFlyChat lists is exactly the room asked for. */
export function sameRoom(room: RoomSummary, asked: RoomParams): boolean {
  return (
    room.name === asked.name &&
    room.role === asked.role &&
    room.private === asked.private &&
    room.moderate === asked.moderate
  );
}
