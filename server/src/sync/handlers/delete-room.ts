/** A delete job: the room goes in iFlyChat; the runner then removes the row. */
import { deleteRemoteRoom, entryLabel, errorOutcome, type Handler } from './context';

export const deleteRoom: Handler = async (context) => {
  const { job } = context;
  try {
    if (job.roomId) {
      await deleteRemoteRoom(context, job.roomId);
    } else if (job.mayHaveCreated) {
      // An earlier create's answer was lost: a room may exist that nobody recorded. Its name
      // is not known for sure any more, so it is reported rather than guessed at.
      context.log.warn(
        `[iflychat] ${entryLabel(job)} had no room recorded, but an earlier attempt may have made one: look for it in iFlyChat`
      );
    }
    return { kind: 'removed', deletedRoomId: job.roomId };
  } catch (error) {
    return errorOutcome(error, Boolean(job.mayHaveCreated));
  }
};
