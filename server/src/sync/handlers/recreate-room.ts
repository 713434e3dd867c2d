/**
 * A recreate job (asked for in the room panel): the old room goes and a new one is made.
 *
 * The entry is read and checked first: the old room only goes if the entry can get a new one.
 * If the new room cannot be made after the old one went, the outcome says so (`roomDropped`),
 * and the next attempt, holding no room, makes one like a sync job. A process that dies between
 * the delete and the outcome leaves the old id on the row: the next attempt's delete gets a 404,
 * which `rooms/list` confirms, and goes on.
 */
import type { Outcome } from '../job-state';
import { resolveRoomParams } from '../room-params';
import { deleteRemoteRoom, entryLabel, errorOutcome, type Handler } from './context';
import { makeRoom, syncRoom } from './sync-room';

export const recreateRoom: Handler = async (context) => {
  const { job, binding } = context;
  if (!binding || !job.roomId) return syncRoom(context);
  const oldRoomId = job.roomId;
  const earlier = Boolean(job.mayHaveCreated);
  let entry;
  try {
    entry = await context.publishedEntry();
    const resolved = entry ? resolveRoomParams(binding, entry, context.roleMap) : null;
    if (!entry || !resolved?.ok) {
      const why = resolved?.ok === false ? resolved.reason : 'the entry is not published any more';
      return { kind: 'failed', reason: `${why}; the room was kept`, mayHaveCreated: earlier };
    }
    await deleteRemoteRoom(context, oldRoomId);
  } catch (error) {
    return errorOutcome(error, earlier);
  }
  context.log.info(`[iflychat] room ${oldRoomId} deleted to be made again for ${entryLabel(job)}`);
  const made: Outcome = await makeRoom(
    context,
    { ...entry, [binding.roomIdField]: null },
    { lookForLost: false }
  );
  if (made.kind === 'synced') return { ...made, event: 'updated', replacedRoomId: oldRoomId };
  if (made.kind === 'retry' || made.kind === 'failed') return { ...made, roomDropped: true };
  return made;
};
