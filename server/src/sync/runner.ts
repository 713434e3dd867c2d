/**
 * The job runner: every write to a link row made by a job is made here. It claims due rows
 * (`room-links.ts`), keeps their leases, runs one handler per operation (`handlers/`), and
 * applies the handler's outcome to the row and the entry in one transaction, by the
 * transitions of `job-state.ts`. Room events are sent once per change, after commit.
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import { bindingFor } from '../config/bindings';
import type { EffectiveSettings } from '../settings/service';
import { getService } from '../utils/get-service';
import { createOutcomeApplier } from './apply-outcome';
import {
  DEFAULT_LEASE_MS,
  DEFAULT_TIMEOUT_MS,
  JOBS_PER_CALL_SLOT,
  NO_KEY_DELAY_MS,
} from './constants';
import type { Entries } from './entries';
import {
  deleteRoom,
  describe,
  recreateRoom,
  syncRoom,
  type Handler,
  type JobContext,
  type RoomCalls,
} from './handlers';
import { createJobLoop } from './job-loop';
import { createLeases, gatedCalls } from './lease';
import { exhausted, finalOutcome, unstartedPatch, type ClaimedJob } from './job-state';
import { createRequestGate } from './rate-limiter';
import type { RoomLinks } from './room-links';

const HANDLERS: Record<ClaimedJob['operation'], Handler> = {
  sync: syncRoom,
  delete: deleteRoom,
  recreate: recreateRoom,
};

export interface RunnerDeps {
  strapi: Core.Strapi;
  links: RoomLinks;
  entries: Entries;
  /** Called when a finished delete leaves a published entry: it gets a new room. */
  requeue: (job: ClaimedJob) => Promise<void>;
}

export function createRunner({ strapi, links, entries, requeue }: RunnerDeps) {
  const settings = () => getService(strapi, 'settings');
  const log = strapi.log;
  const concurrency = () => settings().cached()?.concurrency ?? 4;
  const gate = createRequestGate(concurrency, () => settings().cached()?.maxRequestsPerSecond);
  const timeoutMs = () => settings().cached()?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const leaseMs = () => {
    const current = settings().cached();
    if (!current) return DEFAULT_LEASE_MS;
    return Math.max(current.leaseSeconds * 1000, current.timeoutMs * 3);
  };
  const keepLease = createLeases(links, leaseMs, log);
  const { apply } = createOutcomeApplier({ strapi, links, entries, requeue });

  async function runJob(job: ClaimedJob): Promise<void> {
    const lease = keepLease(job);
    try {
      const config = await settings().get();
      let outcome = exhausted(job, config.maxAttempts);
      if (!outcome) {
        const client = await settings().getClient();
        outcome = client
          ? await HANDLERS[job.operation](
              contextFor(job, config, gatedCalls(client, lease, gate, timeoutMs))
            )
          : { kind: 'deferred', delayMs: NO_KEY_DELAY_MS };
      }
      lease.stop();
      await apply(job, finalOutcome(job, outcome, config.maxAttempts), config);
    } finally {
      lease.stop();
      entries.forget(job.id);
    }
  }

  function contextFor(job: ClaimedJob, config: EffectiveSettings, client: RoomCalls): JobContext {
    const binding = bindingFor(config.contentTypes, job.contentType);
    return {
      job,
      binding,
      roleMap: config.roleMap,
      adoptExistingRoomIds: config.adoptExistingRoomIds,
      client,
      publishedEntry: async () => (binding ? entries.publishedEntry(job, binding) : null),
      entryExists: () => entries.exists(job),
      ownerOf: (roomId) => links.ownerOf(roomId),
      log: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
    };
  }

  /**
   * Claims up to `limit` due jobs. Only queries that throw on failure: it may run in the
   * caller's transaction (intake's), which a failed query aborts on PostgreSQL.
   */
  async function claimDue(limit: number): Promise<{ due: number; claimed: ClaimedJob[] }> {
    if (limit <= 0) return { due: 0, claimed: [] };
    const due = await links.findDue(limit, links.now());
    if (due.length === 0) return { due: 0, claimed: [] };
    const claimed = await links.claimMany(due, new Date(links.now().getTime() + leaseMs()));
    return { due: due.length, claimed };
  }

  /** Loads the entries of claimed jobs ahead; if that fails, each job reads its own. */
  async function preload(claimed: ClaimedJob[]): Promise<void> {
    if (claimed.length === 0) return;
    try {
      await entries.preload(claimed, (await settings().get()).contentTypes);
    } catch (error) {
      log.warn(`[iflychat] could not load entries ahead: ${describe(error)}`);
    }
  }

  const loop = createJobLoop({
    async claim(limit) {
      const result = await claimDue(limit);
      await preload(result.claimed);
      return result;
    },
    run: runJob,
    async giveBack(job) {
      await links.update(job, unstartedPatch(job));
    },
    nextDueAt: () => links.nextDueAt(),
    now: () => links.now().getTime(),
    concurrency: () => concurrency() * JOBS_PER_CALL_SLOT,
    onError: (error) => log.error(`[iflychat] room worker error: ${describe(error)}`),
  });

  return {
    start: () => loop.start(),
    wake: () => loop.wake(),
    /**
     * Claims as many due jobs as the loop has room for, in the caller's transaction: intake
     * claims the first jobs of a publish in the transaction that queues them, and hands them
     * over with `accept` once it commits, so they start without another trip to the database.
     */
    async claimAhead(contentTypes: Record<string, Binding>): Promise<ClaimedJob[]> {
      if (!loop.running) return [];
      const { claimed } = await claimDue(loop.wants());
      try {
        await entries.preload(claimed, contentTypes);
      } catch (error) {
        // Passed on: a failed query aborts the caller's transaction (on PostgreSQL), which must
        // then fail as a whole, its claims with it; nothing loaded for them is kept.
        for (const job of claimed) entries.forget(job.id);
        throw error;
      }
      return claimed;
    },
    /** Runs jobs claimed by `claimAhead`, once their claim has committed. */
    accept: (jobs: ClaimedJob[]) => loop.accept(jobs),
    idle: () => loop.idle(),
    stop: () => loop.stop(),
  };
}

export type Runner = ReturnType<typeof createRunner>;
