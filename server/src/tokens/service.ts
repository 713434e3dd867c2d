/**
 * Chat tokens for the site's signed-in users (`POST /api/iflychat/token`).
 *
 * - One token per user, reused until a minute before it expires, for the same request only
 *   (a changed role, name or setting gets a new one); concurrent requests of a user share one call.
 * - A per-user limit of `tokenRequestsPerMinute` calls to iFlyChat (cached and recorded tokens are
 *   free), and a slot of the per-second budget shared with room jobs (iflychat/budget.ts) for each
 *   call.
 * - Identity (avatar, chat role by person, site roles) in identity.ts, then the site's own
 *   `tokenUser` (token-user.ts).
 * - Every token is recorded in the token-grant table (grants.ts), so any instance can reuse it
 *   and revoke it. A blocked, deleted or re-roled user's token, a signed-out user's, and tokens a
 *   settings or permission change no longer allows are revoked there, then deleted in iFlyChat by
 *   the worker of any instance (revoker.ts); a revoked token is never handed out again.
 */
import type { Core } from '@strapi/strapi';

import { widgetScriptUrl, type IssueToken } from '../../../contracts/users';
import { BudgetExhaustedError } from '../iflychat/budget';
import type { IflychatClient } from '../iflychat/client';
import {
  deleteToken,
  generateToken,
  tokenFields,
  type IssuedToken,
  type TokenParams,
} from '../iflychat/tokens';
import type { SettingsService } from '../settings/service';
import { getService } from '../utils/get-service';
import { roleAccess } from './access';
import { createTokenCache, REUSE_MARGIN_MS, type CachedToken } from './cache';
import { TokenFailure, tokenFailureOf } from './failure';
import { clientHash, createGrants, signatureHash } from './grants';
import { withIdentity } from './identity';
import { USER_UID } from './lifecycle';
import { tokenParams, type SiteUser } from './params';
import {
  currentMemberRoomsKey,
  memberRoomsKey,
  withMemberRooms,
  withMemberSiteRoles,
} from './members';
import { createUserRateLimit } from './rate-limit';
import { createRevoker } from './revoker';
import { applyTokenUser } from './token-user';
import { userNameAttributeProblem } from './user-model';
import { describe } from '../utils/errors';

export { TokenFailure, type TokenFailureKind } from './failure';

export const MAX_CACHED_USERS = 10_000;

/**
 * What a token for `user` is requested with under the settings in force, and the client to ask;
 * a `not-configured` failure while no API key or app id is set.
 */
async function tokenRequest(strapi: Core.Strapi, settings: SettingsService, user: SiteUser) {
  const current = await settings.get();
  const client = await settings.getClient();
  const appId = await settings.getAppId();
  const missing = [client ? null : 'API key', appId ? null : 'app id'].filter(Boolean);
  if (!client || !appId) {
    throw new TokenFailure(
      'not-configured',
      `Chat tokens are not available: no iFlyChat ${missing.join(' and no ')} is configured`
    );
  }
  const userModel = strapi.contentTypes[
    'plugin::users-permissions.user' as keyof typeof strapi.contentTypes
  ] as Parameters<typeof userNameAttributeProblem>[0] | undefined;
  // Checked again here: the user model may have changed since the setting was saved.
  const nameAttribute = userNameAttributeProblem(userModel, current.userNameAttribute)
    ? 'username'
    : current.userNameAttribute;
  const base = tokenParams(user, { ...current, userNameAttribute: nameAttribute }, appId);
  // Members-only rooms the user may enter (tokens/members.ts): part of the signature below, so
  // a change of membership gets a new token. The site's own `tokenUser` sees them too.
  const withRooms = await withMemberRooms(strapi, current, user, base);
  const identified = await withIdentity(strapi, user, current, withRooms);
  const params = await applyTokenUser(
    strapi,
    user,
    await withMemberSiteRoles(strapi, current, user, identified)
  );
  return { current, client, appId, params, rooms: memberRoomsKey(withRooms.userRoles) };
}

/** The user's numeric id, or a failure: a grant is recorded by it. */
function userIdOf(user: Pick<SiteUser, 'id'>): number {
  const id = Number(user.id);
  if (!Number.isSafeInteger(id)) {
    throw new TokenFailure(
      'refused',
      `A chat token needs a numeric user id, not "${String(user.id)}"`
    );
  }
  return id;
}

const MEMBERSHIP = 'membership changed';

/** Thrown by `record` when the user's member rooms changed while their token was issued. */
class MembershipChanged extends Error {}

/** Why the user may no longer have the token just issued (blocked, deleted, re-roled), or null. */
async function accessChanged(strapi: Core.Strapi, user: SiteUser): Promise<string | null> {
  const now = (await strapi.db.query(USER_UID).findOne({
    where: { id: user.id },
    select: ['id', 'blocked'],
    populate: { role: { select: ['id'] } },
  })) as { blocked?: boolean | null; role?: { id?: number } | null } | null;
  if (!now) return 'deleted';
  if (now.blocked === true) return 'blocked';
  if ((now.role?.id ?? null) !== (user.role?.id ?? null)) return 'role changed';
  return null;
}

export function createTokenService({
  strapi,
  maxEntries = MAX_CACHED_USERS,
}: {
  strapi: Core.Strapi;
  maxEntries?: number;
}) {
  const settings = () => getService(strapi, 'settings');
  const cache = createTokenCache({ maxEntries });
  const limit = createUserRateLimit({
    perMinute: () => settings().cached()?.tokenRequestsPerMinute ?? 10,
    maxEntries,
  });
  const grants = createGrants(strapi);
  const revoker = createRevoker(
    strapi,
    grants,
    { get: () => settings().get(), getClient: () => settings().getClient() },
    () => getService(strapi, 'budget').token(Infinity)
  );
  const inFlight = new Map<string, Promise<CachedToken>>();
  /** Revocations started and not yet written (`idle` waits for them). */
  const marking = new Set<Promise<void>>();

  /** One call of the user's `tokenRequestsPerMinute`, or a `rate-limited` failure. */
  function takeLimit(userKey: string): void {
    const decision = limit.take(userKey);
    if (!decision.allowed) {
      throw new TokenFailure(
        'rate-limited',
        'Too many chat token requests: try again later',
        decision.retryAfterSeconds
      );
    }
  }

  /** A slot of the budget shared with room jobs, or `unavailable` after `maxWaitMs`. */
  async function budgetSlot(maxWaitMs: number): Promise<void> {
    try {
      await getService(strapi, 'budget').token(maxWaitMs);
    } catch (error) {
      if (!(error instanceof BudgetExhaustedError)) throw error;
      throw new TokenFailure(
        'unavailable',
        'Too many chat token requests on the server at the moment: try again shortly',
        error.retryAfterSeconds
      );
    }
  }

  /**
   * Records a new token; revokes it at once when the user lost access while it was issued, or
   * when their member rooms are no longer the ones it carries (`rooms`, see `memberRoomsKey`).
   */
  async function record(
    user: SiteUser,
    signature: string,
    answer: IssuedToken,
    client: IflychatClient,
    rooms: string
  ) {
    const userId = userIdOf(user);
    const current = await settings().get();
    const entry = {
      signature,
      token: answer.token,
      expiresAt: Date.now() + answer.expiresInSeconds * 1000,
      grantId: 0,
    };
    entry.grantId = await grants.insert({
      userId,
      token: answer.token,
      signatureHash: signatureHash(signature),
      clientHash: clientHash(client.identity),
      roleId: user.role?.id ?? null,
      roleType: user.role?.type ?? null,
      roleAccess: roleAccess(current, user.role?.type),
      expiresAtMs: entry.expiresAt,
    });
    const replaced = await grants.revokeReplaced(userId, entry.grantId, signatureHash(signature));
    // A block, role or membership change that landed while the token was being issued: its
    // revocation may have run before this row existed. Read the user again now that it does.
    const changed =
      (await accessChanged(strapi, user)) ??
      ((await currentMemberRoomsKey(strapi, current, user)) === rooms ? null : MEMBERSHIP);
    if (changed) await grants.revokeIds([entry.grantId], changed);
    if (changed || replaced > 0) revoker.wake();
    if (changed === MEMBERSHIP) throw new MembershipChanged();
    if (changed) throw new TokenFailure('revoked', `Access to the chat changed (${changed})`);
    return entry;
  }

  /** The user's recorded token for `signature`, or a new one; concurrent requests share one call. */
  async function tokenFor(
    user: SiteUser,
    signature: string,
    client: IflychatClient,
    params: TokenParams,
    rooms: string,
    maxWaitMs: number
  ): Promise<CachedToken> {
    const userKey = String(user.id);
    const cached = cache.get(userKey, signature);
    if (cached && (await grants.isLive(cached.grantId))) return cached;
    if (cached) cache.drop(userKey);
    const flightKey = `${userKey}\n${signature}`;
    let flight = inFlight.get(flightKey);
    if (!flight) {
      flight = (async () => {
        // Issued earlier, by this instance before a restart or by another one.
        const found = await grants.findLive(
          userIdOf(user),
          signatureHash(signature),
          REUSE_MARGIN_MS
        );
        if (found) {
          const entry = {
            signature,
            token: found.token,
            expiresAt: found.expiresAt,
            grantId: found.id,
          };
          cache.set(userKey, entry);
          return entry;
        }
        // Only a call to iFlyChat counts against the user's limit and the shared budget.
        takeLimit(userKey);
        let answer;
        try {
          await budgetSlot(maxWaitMs);
          answer = await generateToken(client, params);
        } catch (error) {
          throw tokenFailureOf(error);
        }
        const issued = answer;
        const entry = await record(user, signature, issued, client, rooms).catch(
          (error: unknown) => {
            // Not recorded, so no instance could revoke it later: iFlyChat forgets it now.
            if (!(error instanceof TokenFailure) && !(error instanceof MembershipChanged))
              void deleteToken(client, issued.token).catch(() => {});
            throw error;
          }
        );
        cache.set(userKey, entry);
        return entry;
      })().finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    return flight;
  }

  /** A token for the user under the settings in force (see `issue`). */
  async function issueOnce(user: SiteUser): Promise<IssueToken.Response['data']> {
    const { current, client, appId, params, rooms } = await tokenRequest(strapi, settings(), user);
    // A new API key, base URL or version gets new tokens; a new timeout does not.
    const signature = JSON.stringify([client.identity, tokenFields(params)]);
    const issued = await tokenFor(user, signature, client, params, rooms, current.timeoutMs);
    return {
      token: issued.token,
      expiresAt: new Date(issued.expiresAt).toISOString(),
      appId,
      userId: params.userId,
      scriptUrl: widgetScriptUrl(current.scriptUrl, appId),
    };
  }

  /** Revokes the user's tokens in the table, then has them deleted; never throws. */
  function revokeUser(userKey: string, why: string): Promise<void> {
    const task = (async () => {
      const id = Number(userKey);
      if (!Number.isSafeInteger(id)) return;
      if ((await grants.revokeUsers([id], why)) > 0) revoker.wake();
    })()
      .catch((error: unknown) => {
        strapi.log.warn(
          `[iflychat] could not revoke the chat token of user ${userKey} (${why}): ${describe(error)}`
        );
      })
      .finally(() => marking.delete(task));
    marking.add(task);
    return task;
  }

  return {
    /** A token for a signed-in user (with their role populated). Throws a {@link TokenFailure}. */
    async issue(user: SiteUser): Promise<IssueToken.Response['data']> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await issueOnce(user);
        } catch (error) {
          // Membership changed meanwhile: the next token carries the rooms as they are now.
          if (!(error instanceof MembershipChanged)) throw error;
          if (attempt === 2) {
            throw new TokenFailure(
              'unavailable',
              'Chat rooms changed while the token was issued',
              1
            );
          }
        }
      }
    },

    /** `GET /api/iflychat/config`: null while no app id is set. */
    async publicConfig(): Promise<{ appId: string; scriptUrl: string } | null> {
      const appId = await settings().getAppId();
      if (!appId) return null;
      const { scriptUrl } = await settings().get();
      return { appId, scriptUrl: widgetScriptUrl(scriptUrl, appId) };
    },

    /**
     * Revokes a user's tokens on every instance and has them deleted in iFlyChat (blocked, deleted,
     * role or membership changed). Safe to call without awaiting: it never rejects.
     */
    revoke(userId: number | string, why: string): Promise<void> {
      const userKey = String(userId);
      // The user's limit stays: revoking (or signing out) gives no fresh calls to iFlyChat.
      cache.drop(userKey);
      return revokeUser(userKey, why);
    },

    /**
     * `DELETE /api/iflychat/token`: the caller's tokens revoked, then deleted in iFlyChat, without
     * waiting for other users' revocations (a delete that fails is left to the worker).
     */
    async signOut(user: Pick<SiteUser, 'id'>): Promise<void> {
      const userId = userIdOf(user);
      cache.drop(String(userId));
      await grants.revokeUsers([userId], 'signed out');
      await revoker.deleteUser(userId);
    },

    /** Settings or the token route's permissions changed: every grant is checked again now. */
    reviewGrants(): void {
      revoker.review();
    },

    /** Starts deleting revoked tokens (from `bootstrap`). */
    start(): void {
      revoker.start();
    },

    /** Stops the worker once running deletions end (from `destroy`). */
    async stop(): Promise<void> {
      await Promise.allSettled([...marking]);
      await revoker.stop();
    },

    /** Waits for started revocations, then runs one deletion pass (tests). */
    async idle(): Promise<void> {
      while (marking.size > 0) await Promise.allSettled([...marking]);
      await revoker.once();
    },

    /** Checks every grant now and waits (tests). */
    sweep: () => revoker.sweep(),
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
