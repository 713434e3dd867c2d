/**
 * Sync: keeps each bound entry's iFlyChat room what the entry says now. A level-triggered
 * reconciler, wired here from its parts:
 *
 * - `intake.ts` (from the Document Service middleware), the room panel (`panel/desk.ts`), the backfill and
 *   the audit (`audit.ts`) only **mark** link rows (`links.ts`): "look at this room again";
 * - the worker loop (`worker-loop.ts`) claims due rows; each run (`reconcile.ts`) reads the
 *   present, plans the smallest step (`plan.ts`) and records it (`store.ts`).
 */
import type { Core } from '@strapi/strapi';

import type { Binding } from '../../../contracts/config';
import type { BackfillProgress } from '../../../contracts/settings';
import { bindingFor } from '../config/bindings';
import { emitRoomEvent } from '../events/room-events';
import type { EffectiveSettings } from '../settings/service';
import { getService } from '../utils/get-service';
import { asText } from '../utils/text';
import { createAudit } from './audit';
import { retryDelayMs } from '../utils/backoff';
import { gatedCalls, keepLease } from './calls';
import { describe } from '../utils/errors';
import { MAX_INTEGER_ROOM_ID, RUNS_PER_CALL_SLOT } from './constants';
import { createEntries, type Present } from './entries';
import { createIntake, roomPerLocale } from './intake';
import { createLinks, type Held } from './links';
import { desiredRoom, shapeFits } from './plan';
import { createRequestGate } from '../iflychat/request-gate';
import { reconcile, type PresentRead } from './reconcile';
import { ALL_LOCALES } from './room-links-keys';
import { createRoomClaims } from './room-claims';
import { createRowStore } from './store';
import { upgradeLinks } from './upgrade';
import { createWorkerLoop } from './worker-loop';
import { createSteadyTimer } from '../utils/steady-timer';

export function createSyncService({ strapi }: { strapi: Core.Strapi }) {
  const settings = () => getService(strapi, 'settings');
  const log = strapi.log;
  const links = createLinks(strapi);
  const entries = createEntries(strapi);
  const claims = createRoomClaims(strapi);
  const store = createRowStore(strapi, links, claims, entries);
  const audit = createAudit(strapi, links);
  const concurrency = () => settings().cached()?.concurrency ?? 4;
  // Spaced by the budget shared with chat tokens (iflychat/budget.ts).
  const gate = createRequestGate(
    concurrency,
    () => settings().cached()?.maxRequestsPerSecond,
    () => getService(strapi, 'budget').room()
  );
  const leaseMs = (config: EffectiveSettings) =>
    Math.max(config.leaseSeconds * 1000, config.timeoutMs * 3);

  /** A row a claim won, with the settings of that claim and what its entry says (`readAll`). */
  interface Claimed {
    job: Held;
    config: EffectiveSettings;
    present: Promise<PresentRead>;
  }

  /** What a row's room should be, from the settings and what its entry says now. */
  function presentOf(job: Held, config: EffectiveSettings, binding: Binding, entry: Present) {
    const fits = shapeFits(roomPerLocale(strapi, job.contentType, binding), job.entryLocale);
    const { published, exists, fieldValues } = entry;
    const carried =
      config.adoptExistingRoomIds && job.syncedAtMs === null && published
        ? asText(published[binding.roomIdField]) || null
        : null;
    return {
      desired: desiredRoom({
        binding,
        shapeFits: fits,
        unlinked: job.unlinked,
        published,
        exists,
        roleMap: config.roleMap,
        carried,
      }),
      entryRowId: published ? Number(published.id) : null,
      // A row of the old shape leaves the entry's room id to the rows of the new one.
      roomIdField: fits ? binding.roomIdField : null,
      fieldValues,
    };
  }

  /**
   * Reads the present of the rows a claim won, after the claim: the entries of each content type
   * in one query, not one per row. A change committed after the read is marked after the claim,
   * so the row runs again (what a run saw is always at least as new as its claim).
   */
  function readAll(jobs: Held[], config: EffectiveSettings): Claimed[] {
    const reads = new Map<string, Promise<Present[]>>();
    return jobs.map((job) => {
      const uid = job.contentType;
      const binding = bindingFor(config.contentTypes, uid);
      let present: Promise<PresentRead>;
      if (binding) {
        const rows = jobs.filter((other) => other.contentType === uid);
        const read = reads.get(uid) ?? entries.presentAll(uid, rows, binding);
        reads.set(uid, read);
        present = read.then((all) => presentOf(job, config, binding, all[rows.indexOf(job)]));
      } else {
        present = Promise.resolve({
          desired: { kind: 'leave', why: 'unbound' },
          entryRowId: job.entryRowId,
          roomIdField: null,
          fieldValues: [],
        });
      }
      // A run that ends before it reads (no API key, out of attempts) leaves no unhandled rejection.
      present.catch(() => undefined);
      return { job, config, present };
    });
  }

  async function run({ job, config, present }: Claimed): Promise<void> {
    const client = await settings().getClient();
    if (!client) {
      await links.release(job, 60_000);
      return;
    }
    const lease = keepLease(job, (held, ms) => links.renew(held, ms), leaseMs(config), log);
    try {
      await reconcile(job, {
        store,
        calls: gatedCalls(client, lease, gate, config.timeoutMs),
        read: () => present,
        maxAttempts: config.maxAttempts,
        retryDelayMs: (attempts, retryAfter) =>
          retryDelayMs(attempts, retryAfter, Math.random, {
            baseMs: config.retryBaseDelayMs,
            maxMs: config.retryMaxDelayMs,
          }),
        log,
        emit: (held, kind, roomId, reason) =>
          emitRoomEvent(strapi, kind, {
            uid: held.contentType,
            documentId: held.entryDocumentId,
            locale: held.entryLocale === ALL_LOCALES ? null : held.entryLocale,
            roomId,
            ...(reason === undefined ? {} : { reason }),
          }),
      });
    } finally {
      lease.stop();
    }
  }

  const loop = createWorkerLoop<Claimed>({
    async claim(limit) {
      // Without an API key nothing can be done: rows wait, unclaimed, until one is saved.
      if (!(await settings().getClient())) return { due: 0, claimed: [] };
      const ids = await links.findDue(limit);
      const config = await settings().get();
      const claimed = await links.claim(ids, leaseMs(config));
      return { due: ids.length, claimed: readAll(claimed, config) };
    },
    run,
    nextDueInMs: () => links.nextDueInMs(),
    concurrency: () => concurrency() * RUNS_PER_CALL_SLOT,
    onError: (error) => log.error(`[iflychat] room worker error: ${describe(error)}`),
  });
  const wake = () => loop.wake();
  const intake = createIntake({ strapi, links, entries, wake });
  /** Backfills running, one per content type. */
  const backfills = new Map<string, Promise<void>>();

  /** One audit tick; marks wake the worker. */
  async function auditTick(): Promise<number> {
    const config = await settings().get();
    const marked = await audit.tick(config.contentTypes, config.roleMap);
    if (marked > 0) wake();
    return marked;
  }

  const auditTimer = createSteadyTimer(
    () => (settings().cached()?.sweepIntervalSeconds ?? 60) * 1000,
    async () => {
      await auditTick().catch((error: unknown) => {
        log.error(`[iflychat] audit failed: ${describe(error)}`);
      });
    }
  );

  let starting: Promise<void> | null = null;
  let stopping = false;

  /** Startup checks that need the database: warnings only. */
  async function checkAtStartup(): Promise<void> {
    for (const [uid, binding] of Object.entries((await settings().get()).contentTypes)) {
      if (entries.attributeType(uid, binding.roomIdField) === 'integer') {
        log.warn(
          `[iflychat] ${uid}.${binding.roomIdField} is an integer attribute: room ids past ${MAX_INTEGER_ROOM_ID.toLocaleString('en')} will not fit; a biginteger or string attribute holds any room id`
        );
      }
    }
  }

  return {
    /** Whether publishes of `uid` get rooms: asked inside the publish's transaction. */
    async isBound(uid: string): Promise<boolean> {
      try {
        return Boolean(bindingFor((await settings().get()).contentTypes, uid));
      } catch (error) {
        log.error(`[iflychat] could not read the settings: ${describe(error)}`);
        return false;
      }
    },
    /** The room id attribute of a bound type (a copy of an entry is made without it). */
    async roomIdFieldOf(uid: string): Promise<string | null> {
      return bindingFor((await settings().get()).contentTypes, uid)?.roomIdField ?? null;
    },
    /** What the Document Service middleware reports after commit (`intake.ts`). */
    intake,

    /** The parts the room panel's compare-and-set writes go through (`panel/desk.ts`). */
    links,
    claims,
    entries,

    /** One audit tick now (also after a settings save); returns how many rows it marked. */
    audit: auditTick,

    /** Marks every published entry of `uid` (a backfill), in the background. */
    startBackfill(uid: string): void {
      if (backfills.has(uid)) return;
      const work = (async () => {
        const binding = bindingFor((await settings().get()).contentTypes, uid);
        const marked = binding ? await audit.backfill(uid, binding) : 0;
        log.info(`[iflychat] backfill of ${uid}: ${marked} entries queued`);
        if (marked > 0) wake();
      })()
        .catch((error: unknown) => {
          log.error(`[iflychat] backfill of ${uid} failed: ${describe(error)}`);
        })
        .finally(() => backfills.delete(uid));
      backfills.set(uid, work);
    },
    /** Resolves when no backfill is running (tests, shutdown). */
    async backfillsDone(): Promise<void> {
      while (backfills.size > 0) await Promise.allSettled([...backfills.values()]);
    },
    async progress(uid: string): Promise<BackfillProgress> {
      return audit.progress(uid, bindingFor((await settings().get()).contentTypes, uid));
    },

    /** Upgrades 0.1's rows, then starts the worker and the audit (now, then every interval). */
    start(): void {
      starting = upgradeLinks(strapi).then(() => {
        if (stopping) return;
        loop.start();
        auditTimer.start();
      });
      checkAtStartup().catch((error: unknown) =>
        log.error(`[iflychat] startup checks failed: ${describe(error)}`)
      );
    },
    wake,
    /** Resolves once no mark is being written and no row is due or running. */
    async idle(): Promise<void> {
      await starting;
      await intake.settled();
      await loop.idle();
      await intake.settled();
    },
    async stop(): Promise<void> {
      stopping = true;
      await starting?.catch(() => undefined);
      await auditTimer.stop();
      await intake.settled();
      await loop.stop();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
