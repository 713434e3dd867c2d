/**
 * Leases: a claimed job keeps its row while it runs, also while it waits for a request slot
 * (the lease is renewed every third of its length), and every call to iFlyChat first checks
 * that the lease outlasts the call, or the answer could not be recorded.
 */
import type { Core } from '@strapi/strapi';

import type { IflychatClient } from '../iflychat/client';
import { LEASE_RENEW_SHARE } from './constants';
import { describe, LeaseLostError, type RoomCalls } from './handlers';
import type { ClaimedJob } from './job-state';
import type { createRequestGate } from './rate-limiter';
import type { RoomLinks } from './room-links';

export type LeaseKeeper = ReturnType<ReturnType<typeof createLeases>>;

export function createLeases(links: RoomLinks, leaseMs: () => number, log: Core.Strapi['log']) {
  /** Keeps a job's lease while it runs (also while it waits for a request slot). */
  return function keepLease(job: ClaimedJob) {
    let expiresAt = job.leaseExpiresAt ? new Date(job.leaseExpiresAt).getTime() : 0;
    let lost = false;
    const renew = async () => {
      if (lost) return;
      const next = new Date(links.now().getTime() + leaseMs());
      if (await links.renew(job, next)) expiresAt = next.getTime();
      else lost = true;
    };
    const timer = setInterval(() => {
      renew().catch((error: unknown) => log.warn(`[iflychat] lease renewal: ${describe(error)}`));
    }, leaseMs() * LEASE_RENEW_SHARE);
    timer.unref();
    return {
      /** Before a call: the lease must outlast the call, or the answer could not be recorded. */
      async ensure(ms: number): Promise<void> {
        if (!lost && links.now().getTime() + ms > expiresAt) await renew();
        if (lost || links.now().getTime() + ms > expiresAt) throw new LeaseLostError();
      },
      stop: () => clearInterval(timer),
    };
  };
}

/** iFlyChat's calls for one job: through the request gate, each checked against the lease. */
export function gatedCalls(
  client: IflychatClient,
  lease: LeaseKeeper,
  gate: ReturnType<typeof createRequestGate>,
  timeoutMs: () => number
): RoomCalls {
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    await lease.ensure(timeoutMs());
    return gate.run(async () => {
      await lease.ensure(timeoutMs());
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
