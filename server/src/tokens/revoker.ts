/**
 * Deletes revoked chat tokens in iFlyChat, on every instance: each claims revoked rows with a
 * lease on the database's clock (two instances never both delete a token, and a crash leaves it to
 * another once the lease runs out), deletes each token, and removes the row; a failed delete is
 * retried with backoff until it succeeds or the token expires. A 404 counts as deleted.
 *
 * Every `POLL_MS` a worker looks for rows another instance revoked; every `sweepIntervalSeconds`
 * it also revokes the grants that no longer hold (see access.ts) and removes expired ones, so a
 * lost event, a change made while no instance ran, or a settings change is caught there.
 */
import type { Core } from '@strapi/strapi';

import type { IflychatClient } from '../iflychat/client';
import { IflychatApiError } from '../iflychat/errors';
import { deleteToken } from '../iflychat/tokens';
import type { EffectiveSettings } from '../settings/service';
import { retryDelayMs } from '../utils/backoff';
import { staleGrants, type UserFacts } from './access';
import { clientHash, type Grants, type HeldGrant } from './grants';
import { USER_UID } from './lifecycle';
import { rolesWithTokenRoute } from './roles';
import { describe } from '../utils/errors';

/** How often a worker looks for tokens another instance revoked. */
export const POLL_MS = 2_000;
/** Rows one pass claims. */
const BATCH = 20;
/** Live grants the sweep reads at a time. */
const SWEEP_PAGE = 500;

/** `message` with every occurrence of `token`, as it is or URL-encoded, replaced. */
export function withoutToken(message: string, token: string): string {
  return message.split(token).join('[token]').split(encodeURIComponent(token)).join('[token]');
}

/**
 * The delay before a held row's next attempt: doubling from `retryBaseDelayMs`, jittered down to
 * half, at least the server's `Retry-After`, at most `retryMaxDelayMs`.
 */
export function retryDelay(
  attempts: number,
  retryAfterSeconds: number | undefined,
  config: Pick<EffectiveSettings, 'retryBaseDelayMs' | 'retryMaxDelayMs'>,
  random: () => number = Math.random
): number {
  return retryDelayMs(attempts, retryAfterSeconds, random, {
    baseMs: config.retryBaseDelayMs,
    maxMs: config.retryMaxDelayMs,
  });
}

export function createRevoker(
  strapi: Core.Strapi,
  grants: Grants,
  settings: { get(): Promise<EffectiveSettings>; getClient(): Promise<IflychatClient | null> },
  /** Waits for a slot of the call budget shared with room jobs (iflychat/budget.ts). */
  pace: () => Promise<void>
) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let started = false;
  let stopped = false;
  let sweepWanted = true;
  let lastSweep = 0;
  /** The last pass found no API key: revoked rows wait for one, looked at every POLL_MS. */
  let noClient = false;

  /** Deletes one held token; the row is removed once iFlyChat no longer knows the token. */
  async function deleteHeld(
    held: HeldGrant,
    client: IflychatClient,
    config: EffectiveSettings,
    leaseMs: number
  ) {
    if (held.expiresAtMs <= Date.now()) {
      await grants.remove(held); // iFlyChat no longer accepts it
      return;
    }
    const token = held.token;
    if (token === null) {
      // Another instance, with the key it was encrypted with, can still delete it.
      const delay = retryDelay(held.attempts, undefined, config);
      await grants.retry(held, 'the token cannot be decrypted with this encryption key', delay);
      strapi.log.warn(
        `[iflychat] the chat token of user ${held.userId} cannot be decrypted with this instance's admin.secrets.encryptionKey: every instance needs the same key; trying again in ${Math.ceil(delay / 1000)} s`
      );
      return;
    }
    if (held.clientHash !== null && held.clientHash !== clientHash(client.identity)) {
      // Issued through another base URL or API key: the token is sent to no other server (one
      // that an admin pointed the settings at could keep it alive). It waits for that client to
      // be back in force, or for its expiry.
      const delay = retryDelay(held.attempts, undefined, config);
      await grants.retry(held, 'issued through another iFlyChat base URL or API key', delay);
      strapi.log.warn(
        `[iflychat] the chat token of user ${held.userId} was issued through another iFlyChat base URL or API key than the one in force: it is not sent to this one; trying again in ${Math.ceil(delay / 1000)} s, until it expires`
      );
      return;
    }
    // A mass revocation takes its turns of the budget: room creation keeps its share.
    await pace();
    // A batch can outlast one lease: each delete is made under a fresh one, or not at all.
    if (!(await grants.renew(held, leaseMs))) return;
    try {
      await deleteToken(client, token);
      await grants.remove(held);
    } catch (error) {
      if (error instanceof IflychatApiError && error.status === 404) {
        await grants.remove(held);
        return;
      }
      const retryAfter = error instanceof IflychatApiError ? error.retryAfterSeconds : undefined;
      const delay = retryDelay(held.attempts, retryAfter, config);
      const reason = withoutToken(describe(error), token);
      await grants.retry(held, reason, delay);
      strapi.log.warn(
        `[iflychat] could not delete the chat token of user ${held.userId} (${held.reason}): ${reason}; trying again in ${Math.ceil(delay / 1000)} s`
      );
    }
  }

  /**
   * Claims due revoked rows (of one user, with `userId`) and deletes their tokens; true when
   * there may be more.
   */
  async function deleteDue(userId?: number): Promise<boolean> {
    const client = await settings.getClient();
    if (userId === undefined) noClient = !client;
    if (!client) return false; // no API key: the rows wait for one
    const config = await settings.get();
    const leaseMs = Math.max(config.leaseSeconds * 1000, config.timeoutMs * 3);
    const held = await grants.claim(BATCH, leaseMs, userId);
    for (const row of held) {
      if (stopped) break;
      await deleteHeld(row, client, config, leaseMs);
    }
    return held.length === BATCH;
  }

  /** The users behind a page of grants, as the database has them now. */
  async function usersOf(ids: number[]): Promise<Map<number, UserFacts>> {
    const rows = (await strapi.db.query(USER_UID).findMany({
      where: { id: { $in: ids } },
      select: ['id', 'blocked'],
      populate: { role: { select: ['id'] } },
    })) as Array<{ id: number; blocked?: boolean | null; role?: { id?: number } | null }>;
    return new Map(
      rows.map((row) => [
        Number(row.id),
        { blocked: row.blocked === true, roleId: row.role?.id ?? null },
      ])
    );
  }

  /** Revokes every live grant that no longer holds; removes expired ones. Returns how many. */
  async function sweep(): Promise<number> {
    await grants.removeExpired();
    const config = await settings.get();
    const withRoute = await rolesWithTokenRoute(strapi);
    let revoked = 0;
    for (let after = 0; ;) {
      const page = await grants.livePage(after, SWEEP_PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const users = await usersOf([...new Set(page.map((grant) => grant.userId))]);
      for (const [reason, ids] of staleGrants(page, users, config, withRoute)) {
        revoked += await grants.revokeIds(ids, reason);
      }
      if (page.length < SWEEP_PAGE) break;
    }
    return revoked;
  }

  async function pass(): Promise<void> {
    try {
      const sweepMs = ((await settings.get()).sweepIntervalSeconds ?? 60) * 1000;
      if (sweepWanted || Date.now() - lastSweep >= sweepMs) {
        sweepWanted = false;
        lastSweep = Date.now();
        await sweep();
      }
      if (await deleteDue()) again = true;
    } catch (error) {
      if (!stopped) strapi.log.warn(`[iflychat] chat token revocation: ${describe(error)}`);
    }
  }

  function schedule(ms: number) {
    if (stopped || !started) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), ms);
    timer.unref?.();
  }

  /** Runs a pass now (or right after the running one); resolves when passes stop. */
  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !stopped);
    })().finally(() => {
      running = null;
      void nextIn().then(schedule);
    });
    return running;
  }

  /** The next pass: when the next retry is due, and at least every POLL_MS. */
  async function nextIn(): Promise<number> {
    try {
      const due = stopped || noClient ? null : await grants.nextDueInMs();
      return Math.min(POLL_MS, due ?? POLL_MS);
    } catch {
      return POLL_MS;
    }
  }

  return {
    start(): void {
      started = true;
      stopped = false;
      schedule(0);
    },

    /** Something was revoked here: delete it now rather than at the next poll. */
    wake(): void {
      if (started) void run();
    },

    /** Settings or permissions changed: check every grant now. */
    review(): void {
      sweepWanted = true;
      if (started) void run();
    },

    /** Runs one pass now and waits for it (tests, sign-out). */
    async once(): Promise<void> {
      if (stopped) return;
      await run();
    },

    /**
     * Deletes one user's due revoked tokens now, apart from the worker's pass (sign-out): never
     * behind other users' deletions. What fails here is retried by the worker.
     */
    async deleteUser(userId: number): Promise<void> {
      try {
        while (!stopped && (await deleteDue(userId)));
      } catch (error) {
        strapi.log.warn(`[iflychat] chat token revocation: ${describe(error)}`);
      }
    },

    /** The sweep alone, awaited (tests). */
    sweep,

    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export type Revoker = ReturnType<typeof createRevoker>;
