/**
 * A sync job: the entry gets its room, or its room is edited to match the entry.
 *
 * - A row with a room: edit the room when the name, role or flags the entry asks for changed.
 * - A row without one: look for a room an earlier attempt may have made (its answer was lost),
 *   adopting it only when name, role, private and moderate all match and no entry owns it;
 *   else create one.
 * - A room id the entry carried on its first publish (typed by hand, imported) is ignored,
 *   unless the site opted in with `adoptExistingRoomIds`: then it is adopted only when iFlyChat
 *   lists it and no entry owns it, with its real name, role and flags recorded.
 */
import type { RoomParams, RoomSummary } from '../../iflychat/client';
import { isIflychatError } from '../../iflychat/errors';
import { asText } from '../../utils/text';
import { knownRoom, roomDiffers, type ClaimedJob, type Outcome } from '../job-state';
import { resolveRoomParams, type Entry } from '../room-params';
import { entryLabel, errorOutcome, sameRoom, type Handler, type JobContext } from './context';

/** The room a carried id names, when it may be adopted; null (and logged) when not. */
async function adoptable(context: JobContext, carried: string): Promise<RoomSummary | null> {
  const { job } = context;
  if (!context.adoptExistingRoomIds) {
    context.log.info(
      `[iflychat] ${entryLabel(job)} carried room id ${carried}; it gets a room of its own (adoptExistingRoomIds is off)`
    );
    return null;
  }
  const room = (await context.client.listRooms()).find((listed) => listed.roomId === carried);
  const owner = room ? await context.ownerOf(carried) : null;
  if (room && (!owner || owner === job.linkKey)) return room;
  context.log.warn(
    `[iflychat] ${entryLabel(job)} carried room id ${carried}, which ${room ? 'another entry owns' : 'iFlyChat does not list'}; it gets a room of its own`
  );
  return null;
}

/** A room of this exact description that an earlier attempt may have made, and nobody owns. */
async function findLostRoom(context: JobContext, asked: RoomParams): Promise<string | null> {
  const rooms = await context.client.listRooms();
  for (const room of rooms.filter((candidate) => sameRoom(candidate, asked))) {
    const owner = await context.ownerOf(room.roomId);
    if (!owner || owner === context.job.linkKey) return room.roomId;
  }
  return null;
}

/** The row has a room: edit it if the entry asks for something else. */
async function updateRoom(
  context: JobContext,
  job: ClaimedJob & { roomId: string },
  entry: Entry | null
): Promise<Outcome> {
  if (!entry) return { kind: 'synced', roomId: job.roomId, room: knownRoom(job), event: null };
  const resolved = resolveRoomParams(context.binding!, entry, context.roleMap);
  if (!resolved.ok) return { kind: 'failed', reason: resolved.reason, mayHaveCreated: false };
  if (!roomDiffers(job, resolved.params)) {
    return { kind: 'synced', roomId: job.roomId, room: resolved.params, event: null };
  }
  await context.client.editRoom(job.roomId, resolved.params);
  context.log.info(`[iflychat] room ${job.roomId} edited for ${entryLabel(job)}`);
  return { kind: 'synced', roomId: job.roomId, room: resolved.params, event: 'updated' };
}

/** Makes the entry's room (or finds the one a lost answer made). */
export async function makeRoom(
  context: JobContext,
  entry: Entry,
  { lookForLost }: { lookForLost: boolean }
): Promise<Outcome> {
  const { job } = context;
  const resolved = resolveRoomParams(context.binding!, entry, context.roleMap);
  if (!resolved.ok) {
    return { kind: 'failed', reason: resolved.reason, mayHaveCreated: lookForLost };
  }
  const params = resolved.params;
  let mayHaveCreated = lookForLost;
  try {
    let roomId = lookForLost ? await findLostRoom(context, params) : null;
    if (roomId) {
      context.log.info(
        `[iflychat] room ${roomId} made by a lost answer adopted for ${entryLabel(job)}`
      );
    } else {
      mayHaveCreated = true;
      try {
        roomId = (await context.client.createRoom(params)).roomId;
      } catch (error) {
        // Refused or never sent: no room was made (and an earlier one was looked for above).
        if (isIflychatError(error) && !error.mayHaveReachedServer) mayHaveCreated = false;
        throw error;
      }
      context.log.info(`[iflychat] room ${roomId} "${params.name}" ready for ${entryLabel(job)}`);
    }
    return { kind: 'synced', roomId, room: params, event: 'created' };
  } catch (error) {
    return errorOutcome(error, mayHaveCreated);
  }
}

/** Adopts a carried room: its real state is recorded, then edited if the entry asks otherwise. */
async function adopt(context: JobContext, room: RoomSummary, entry: Entry): Promise<Outcome> {
  const { job } = context;
  const real: RoomParams = {
    name: room.name,
    role: room.role,
    private: room.private,
    moderate: room.moderate,
  };
  const resolved = resolveRoomParams(context.binding!, entry, context.roleMap);
  if (!resolved.ok) return { kind: 'failed', reason: resolved.reason, mayHaveCreated: false };
  let state = real;
  if (!sameRoom(room, resolved.params)) {
    await context.client.editRoom(room.roomId, resolved.params);
    state = resolved.params;
  }
  context.log.info(`[iflychat] room ${room.roomId} adopted for ${entryLabel(job)}`);
  return { kind: 'synced', roomId: room.roomId, room: state, event: 'created' };
}

/**
 * The published entry; read once more when it does not describe a room (an empty role field):
 * its row and its relations are two queries, and an unpublish committed between them reads as a
 * published entry without its role. The second read sees the entry as it is now.
 */
async function readEntry(context: JobContext): Promise<Entry | null> {
  const entry = await context.publishedEntry();
  if (!entry || !context.binding) return entry;
  if (resolveRoomParams(context.binding, entry, context.roleMap).ok) return entry;
  return context.publishedEntry();
}

export const syncRoom: Handler = async (context) => {
  const { job, binding } = context;
  if (!binding) {
    return {
      kind: 'forgotten',
      reason: `${job.contentType} is no longer bound to iFlyChat in the plugin's settings`,
    };
  }
  const earlier = Boolean(job.mayHaveCreated);
  try {
    const entry = await readEntry(context);
    // Deleted while its job waited or ran: the row goes (a room made meanwhile stays).
    if (!entry && !(await context.entryExists())) {
      return { kind: 'forgotten', reason: 'the entry was deleted' };
    }
    if (job.roomId) return await updateRoom(context, { ...job, roomId: job.roomId }, entry);
    if (!entry) {
      return {
        kind: 'failed',
        reason: 'the entry is not published any more',
        mayHaveCreated: earlier,
      };
    }
    // Once the plugin has dealt with the entry, the link row is the truth: a room id an
    // editor's stale form wrote back after an unlink does not bring the old room back.
    const carried = job.syncedAt ? '' : asText(entry[binding.roomIdField]);
    if (carried) {
      const room = await adoptable(context, carried);
      if (room) return await adopt(context, room, entry);
    }
    return await makeRoom(context, entry, { lookForLost: earlier });
  } catch (error) {
    return errorOutcome(error, earlier);
  }
};
