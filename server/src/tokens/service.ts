/**
 * Chat tokens for the site's signed-in users (`POST /api/iflychat/token`).
 *
 * - One token per user, reused until a minute before it expires, for the same request only
 *   (a changed role, name or setting gets a new one); concurrent requests of a user share one call.
 * - A per-user limit of `tokenRequestsPerMinute` requests.
 * - A blocked, deleted or re-roled user's token is forgotten and deleted in iFlyChat; a failure
 *   there is logged, never thrown into the user's update.
 */
import type { Core } from '@strapi/strapi';

import { widgetScriptUrl, type IssueToken } from '../../../contracts/users';
import type { IflychatClient } from '../iflychat/client';
import { generateToken, tokenFields, type TokenParams } from '../iflychat/tokens';
import type { SettingsService } from '../settings/service';
import { getService } from '../utils/get-service';
import { createTokenCache } from './cache';
import { TokenFailure, tokenFailureOf } from './failure';
import { tokenParams, type SiteUser } from './params';
import { withMemberRooms } from './members';
import { createUserRateLimit } from './rate-limit';
import { createRemoteDeletions } from './remote-delete';
import { userNameAttributeProblem } from './user-model';

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
  // a change of membership gets a new token.
  const params = await withMemberRooms(strapi, current, user, base);
  return { current, client, appId, params };
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
  const deletions = createRemoteDeletions(strapi, () => settings().getClient());
  const inFlight = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  /** The user's cached token for `signature`, or a new one; concurrent requests share one call. */
  async function tokenFor(
    userKey: string,
    signature: string,
    client: IflychatClient,
    params: TokenParams
  ): Promise<{ token: string; expiresAt: number }> {
    const cached = cache.get(userKey, signature);
    if (cached) return cached;
    const flightKey = `${userKey}\n${signature}`;
    let flight = inFlight.get(flightKey);
    if (!flight) {
      flight = (async () => {
        let answer;
        try {
          answer = await generateToken(client, params);
        } catch (error) {
          throw tokenFailureOf(error);
        }
        const entry = {
          signature,
          token: answer.token,
          expiresAt: Date.now() + answer.expiresInSeconds * 1000,
        };
        const replaced = cache.set(userKey, entry);
        if (replaced) deletions.drop(replaced.token, `user ${userKey} (replaced)`);
        return entry;
      })().finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
    }
    return flight;
  }

  return {
    /** A token for a signed-in user (with their role populated). Throws a {@link TokenFailure}. */
    async issue(user: SiteUser): Promise<IssueToken.Response['data']> {
      const userKey = String(user.id);
      const decision = limit.take(userKey);
      if (!decision.allowed) {
        throw new TokenFailure(
          'rate-limited',
          'Too many chat token requests: try again later',
          decision.retryAfterSeconds
        );
      }
      const { current, client, appId, params } = await tokenRequest(strapi, settings(), user);
      // A new API key, base URL or version gets new tokens; a new timeout does not.
      const signature = JSON.stringify([client.identity, tokenFields(params)]);
      const issued = await tokenFor(userKey, signature, client, params);
      return {
        token: issued.token,
        expiresAt: new Date(issued.expiresAt).toISOString(),
        appId,
        userId: params.userId,
        scriptUrl: widgetScriptUrl(current.scriptUrl, appId),
      };
    },

    /** `GET /api/iflychat/config`: null while no app id is set. */
    async publicConfig(): Promise<{ appId: string; scriptUrl: string } | null> {
      const appId = await settings().getAppId();
      if (!appId) return null;
      const { scriptUrl } = await settings().get();
      return { appId, scriptUrl: widgetScriptUrl(scriptUrl, appId) };
    },

    /** Forgets a user's token and deletes it in iFlyChat (blocked, deleted, or role changed). */
    revoke(userId: number | string, why: string): void {
      const userKey = String(userId);
      limit.reset(userKey);
      const dropped = cache.drop(userKey);
      if (dropped) deletions.drop(dropped.token, `user ${userKey} (${why})`);
    },

    /** Resolves once every background deletion has finished (tests, shutdown). */
    async idle(): Promise<void> {
      return deletions.idle();
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
