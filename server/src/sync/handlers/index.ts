/** One handler per operation; each returns an outcome for the runner to apply. */
export { deleteRoom } from './delete-room';
export { recreateRoom } from './recreate-room';
export { syncRoom } from './sync-room';
export {
  describe,
  entryLabel,
  errorOutcome,
  LeaseLostError,
  type Handler,
  type JobContext,
  type RoomCalls,
} from './context';
