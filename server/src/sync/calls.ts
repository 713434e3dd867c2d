/**
 * iFlyChat's room calls as a run of the reconciler makes them: each through the request gate
 * (concurrency and rate), and each first checking that the run's lease outlasts the call, or its
 * answer could not be recorded. The lease is renewed every third of its length while the run
 * goes on, also while it waits for a request slot.
 */
import type { Core } from '@strapi/strapi';

import type { IflychatClient, RoomParams, RoomSummary } from '../iflychat/client';
import { LEASE_RENEW_SHARE } from './constants';
import { describe } from '../utils/errors';
import type { Held } from './links';
import type { createRequestGate } from '../iflychat/request-gate';

export interface RoomCalls {
  createRoom(room: RoomParams): Promise<{ roomId: string }>;
  editRoom(roomId: string, room: RoomParams): Promise<void>;
  deleteRoom(roomId: string): Promise<void>;
  listRooms(): Promise<RoomSummary[]>;
}

/** Thrown by a call when the run's lease ran out and could not be renewed. */
export class LeaseLostError extends Error {
  constructor() {
    super('the job lost its lease');
    this.name = 'LeaseLostError';
  }
}

/**
 * Keeps a run's lease. The lease's end is tracked on this process's monotonic clock from the
 * moment a renewal was sent, which is never later than the end the database wrote.
 */
export function keepLease(
  job: Held,
  renew: (job: Held, ms: number) => Promise<boolean>,
  leaseMs: number,
  log: Core.Strapi['log']
) {
  const clock = () => performance.now();
  let endsAt = clock() + leaseMs;
  let lost = false;
  const extend = async () => {
    if (lost) return;
    const sentAt = clock();
    if (await renew(job, leaseMs)) endsAt = sentAt + leaseMs;
    else lost = true;
  };
  const timer = setInterval(() => {
    extend().catch((error: unknown) => log.warn(`[iflychat] lease renewal: ${describe(error)}`));
  }, leaseMs * LEASE_RENEW_SHARE);
  timer.unref();
  return {
    /** Before a call of at most `ms`: the lease must outlast it. */
    async ensure(ms: number): Promise<void> {
      if (!lost && clock() + ms > endsAt) await extend();
      if (lost || clock() + ms > endsAt) throw new LeaseLostError();
    },
    stop: () => clearInterval(timer),
  };
}

export type Lease = ReturnType<typeof keepLease>;

/** iFlyChat's calls for one run: through the request gate, each checked against the lease. */
export function gatedCalls(
  client: IflychatClient,
  lease: Lease,
  gate: ReturnType<typeof createRequestGate>,
  timeoutMs: number
): RoomCalls {
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    await lease.ensure(timeoutMs);
    return gate.run(async () => {
      await lease.ensure(timeoutMs);
      return run();
    });
  };
  return {
    createRoom: (room) => call(() => client.createRoom(room)),
    editRoom: (roomId, room) => call(() => client.editRoom(roomId, room)),
    deleteRoom: (roomId) => call(() => client.deleteRoom(roomId)),
    listRooms: () => call(() => client.listRooms()),
  };
}
