/**
 * Sync: turns publishes of bound content types into room jobs, runs them in the background and
 * writes the resulting room id back onto the entry. This service only wires the parts together:
 *
 * - `intake.ts`: publishes, saves, unpublishes and deletes (after commit) become queued jobs;
 * - `runner.ts`: claims jobs, keeps their leases, runs the handlers (`handlers/`) and applies
 *   their outcomes; `job-state.ts` holds the row's states and transitions;
 * - `sweep.ts` and `backfill.ts`: entries that have no job yet;
 * - `desk.ts`: the room panel's actions;
 * - `room-links.ts` and `entries.ts`: the link rows and the entries, read and written.
 */
import type { Core } from '@strapi/strapi';

import type { BackfillProgress } from '../../../contracts/settings';
import { bindingFor } from '../config/bindings';
import { getService } from '../utils/get-service';
import { createBackfill } from './backfill';
import { createDbClock } from './clock';
import { CLAIM_BACKFILL_PAGE, MAX_INTEGER_ROOM_ID } from './constants';
import { createRoomDesk } from './desk';
import { createEntries } from './entries';
import { describe } from './handlers';
import { createIntake } from './intake';
import { createRoomLinks } from './room-links';
import { createRunner } from './runner';
import { createSteadyTimer, createSweep } from './sweep';

export function createSyncService({ strapi }: { strapi: Core.Strapi }) {
  const settings = () => getService(strapi, 'settings');
  const log = strapi.log;
  const clock = createDbClock(strapi);
  const links = createRoomLinks(strapi, clock);
  const entries = createEntries(strapi);
  const runner = createRunner({
    strapi,
    links,
    entries,
    requeue: async (job) => {
      const target = { documentId: job.entryDocumentId, locale: job.entryLocale };
      await links.queue(job.contentType, [target], { retryFailed: true });
      runner.wake();
    },
  });
  const intake = createIntake({ strapi, links, entries, runner });
  const sweeper = createSweep(strapi, links, clock);
  const backfill = createBackfill(strapi, links);
  const desk = createRoomDesk({ strapi, links, entries, wake: () => runner.wake() });

  const sweepTimer = createSteadyTimer(
    () => (settings().cached()?.sweepIntervalSeconds ?? 60) * 1000,
    async () => {
      await service.sweep().catch((error: unknown) => {
        log.error(`[iflychat] sweep failed: ${describe(error)}`);
      });
    }
  );

  /** Startup (the clock measured, then the runner and the sweep started), once begun. */
  let starting: Promise<void> | null = null;
  let stopping = false;

  const bindingOf = async (uid: string) => bindingFor((await settings().get()).contentTypes, uid);

  /** Startup checks that need the database: warnings only. */
  async function checkAtStartup(): Promise<void> {
    for (const [uid, binding] of Object.entries((await settings().get()).contentTypes)) {
      if (entries.attributeType(uid, binding.roomIdField) === 'integer') {
        log.warn(
          `[iflychat] ${uid}.${binding.roomIdField} is an integer attribute: room ids past ${MAX_INTEGER_ROOM_ID.toLocaleString('en')} will not fit; a biginteger or string attribute holds any room id`
        );
      }
    }
    const claimed = await links.claimExistingRooms(CLAIM_BACKFILL_PAGE);
    if (claimed > 0) log.info(`[iflychat] ${claimed} existing rooms given their owner claim`);
  }

  const service = {
    /**
     * Whether publishes of `uid` get rooms; false (and logged) when settings cannot be read.
     * Asked inside the publish's transaction, so with the settings last read (`lastRead`); they
     * are read anew every few seconds by the room jobs and the sweep, and at once by a save on
     * this instance.
     */
    async isBound(uid: string): Promise<boolean> {
      try {
        return Boolean(bindingFor((await settings().lastRead()).contentTypes, uid));
      } catch (error) {
        log.error(`[iflychat] could not read the settings: ${describe(error)}`);
        return false;
      }
    },
    onPublished: (uid: string, documentId: string, locales: string[] = []) =>
      intake.onPublished(uid, documentId, locales),
    onSaved: (uid: string, documentId: string, locales: string[]) =>
      intake.onSaved(uid, documentId, locales),
    onRemoved: (...args: Parameters<typeof intake.onRemoved>) => intake.onRemoved(...args),
    roomIdFieldOf: (uid: string) => intake.roomIdFieldOf(uid),

    /** The room panel's narrow interface. */
    desk,
    /** The link rows (tests look at them; the panel goes through `desk`). */
    links,

    /**
     * The periodic sweep: queue publishes whose job was never recorded, then run whatever is
     * due, including jobs whose lease ran out because their process died.
     */
    async sweep(): Promise<number> {
      const config = await settings().get();
      const queued = await sweeper.run(config.contentTypes, config.sweepIntervalSeconds * 1000);
      if (queued > 0) {
        log.warn(`[iflychat] the sweep found ${queued} published entries without a room job`);
      }
      runner.wake();
      return queued;
    },

    /**
     * Queues every published entry of `uid` that has no room job yet, in the background; one
     * backfill per content type at a time. Running it again queues nothing new.
     */
    startBackfill(uid: string): void {
      backfill.start(
        uid,
        () => bindingOf(uid),
        (queued) => {
          if (queued > 0) runner.wake();
        }
      );
    },

    /** Resolves when no backfill is running (for tests and shutdown). */
    backfillsDone: () => backfill.done(),

    async progress(uid: string): Promise<BackfillProgress> {
      return backfill.progress(uid, await bindingOf(uid));
    },

    /**
     * Starts the runner (it picks up jobs left over by a previous run) and the sweep (now, then
     * every `sweepIntervalSeconds`).
     */
    start(): void {
      // Leases and due times come from the database's clock: measured before the first claim.
      starting = clock.sync().then(() => {
        if (stopping) return;
        runner.start();
        sweepTimer.start();
      });
      checkAtStartup().catch((error: unknown) =>
        log.error(`[iflychat] startup checks failed: ${describe(error)}`)
      );
    },
    wake(): void {
      runner.wake();
    },
    /** Resolves once no publish is being recorded and no job is due or running. */
    async idle(): Promise<void> {
      await starting;
      await intake.settled();
      await runner.idle();
      await intake.settled();
    },
    async stop(): Promise<void> {
      stopping = true;
      await starting;
      await sweepTimer.stop();
      await sweeper.release().catch(() => undefined);
      await intake.settled();
      await runner.stop();
    },
  };
  return service;
}

export type SyncService = ReturnType<typeof createSyncService>;
