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
import { IflychatApiError, isIflychatError } from '../iflychat/errors';
import { deleteToken, generateToken, tokenFields } from '../iflychat/tokens';
import { getService } from '../utils/get-service';
import { createTokenCache } from './cache';
import { tokenParams, type SiteUser } from './params';
import { userNameAttributeProblem } from './user-model';
import { createUserRateLimit } from './rate-limit';

export type TokenFailureKind = 'rate-limited' | 'not-configured' | 'refused' | 'unavailable';

/** Why no token was issued; the controller turns it into a status. */
export class TokenFailure extends Error {
  readonly kind: TokenFailureKind;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: TokenFailureKind, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'TokenFailure';
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** When iFlyChat gives no Retry-After, the page is told to try again after this long. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;
export const MAX_CACHED_USERS = 10_000;

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
  const inFlight = new Map<string, Promise<{ token: string; expiresAt: number }>>();
  const background = new Set<Promise<void>>();

  const keyOf = (user: Pick<SiteUser, 'id'>) => String(user.id);
  const userModel = () =>
    strapi.contentTypes['plugin::users-permissions.user' as keyof typeof strapi.contentTypes] as
      Parameters<typeof userNameAttributeProblem>[0] | undefined;

  /** Deletes a token in iFlyChat in the background; the log never shows the token. */
  function dropRemote(token: string, why: string): void {
    const task = (async () => {
      const client = await settings().getClient();
      if (!client) return;
      try {
        await deleteToken(client, token);
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error))
          .split(token)
          .join('[token]')
          .split(encodeURIComponent(token))
          .join('[token]');
        strapi.log.warn(`[iflychat] could not delete the chat token of ${why}: ${message}`);
      }
    })().finally(() => background.delete(task));
    background.add(task);
  }

  function failureOf(error: unknown): TokenFailure {
    if (error instanceof IflychatApiError && !error.retryable) {
      return new TokenFailure(
        'refused',
        `iFlyChat refused to issue a chat token: ${error.message}`
      );
    }
    if (error instanceof IflychatApiError && error.invalidAnswer) {
      return new TokenFailure('refused', error.message);
    }
    if (isIflychatError(error)) {
      const retryAfter = error instanceof IflychatApiError ? error.retryAfterSeconds : undefined;
      return new TokenFailure(
        'unavailable',
        `iFlyChat is not available: ${error.message}`,
        Math.max(1, Math.ceil(retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS))
      );
    }
    throw error;
  }

  return {
    /** A token for a signed-in user (with their role populated). Throws a {@link TokenFailure}. */
    async issue(user: SiteUser): Promise<IssueToken.Response['data']> {
      const userKey = keyOf(user);
      const decision = limit.take(userKey);
      if (!decision.allowed) {
        throw new TokenFailure(
          'rate-limited',
          'Too many chat token requests: try again later',
          decision.retryAfterSeconds
        );
      }
      const current = await settings().get();
      const client = await settings().getClient();
      const appId = await settings().getAppId();
      const missing = [client ? null : 'API key', appId ? null : 'app id'].filter(Boolean);
      if (!client || !appId) {
        throw new TokenFailure(
          'not-configured',
          `Chat tokens are not available: no iFlyChat ${missing.join(' and no ')} is configured`
        );
      }
      // Checked again here: the user model may have changed since the setting was saved.
      const nameAttribute = userNameAttributeProblem(userModel(), current.userNameAttribute)
        ? 'username'
        : current.userNameAttribute;
      const params = tokenParams(user, { ...current, userNameAttribute: nameAttribute }, appId);
      // A new API key, base URL or version gets new tokens; a new timeout does not.
      const signature = JSON.stringify([client.identity, tokenFields(params)]);

      let issued: { token: string; expiresAt: number };
      const cached = cache.get(userKey, signature);
      if (cached) {
        issued = cached;
      } else {
        const flightKey = `${userKey}\n${signature}`;
        let flight = inFlight.get(flightKey);
        if (!flight) {
          flight = (async () => {
            let answer;
            try {
              answer = await generateToken(client, params);
            } catch (error) {
              throw failureOf(error);
            }
            const entry = {
              signature,
              token: answer.token,
              expiresAt: Date.now() + answer.expiresInSeconds * 1000,
            };
            const replaced = cache.set(userKey, entry);
            if (replaced) dropRemote(replaced.token, `user ${userKey} (replaced)`);
            return entry;
          })().finally(() => inFlight.delete(flightKey));
          inFlight.set(flightKey, flight);
        }
        issued = await flight;
      }
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
      if (dropped) dropRemote(dropped.token, `user ${userKey} (${why})`);
    },

    /** Resolves once every background deletion has finished (tests, shutdown). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
