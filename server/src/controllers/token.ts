/**
 * Content API: `POST /api/iflychat/token` and `DELETE /api/iflychat/token` (a signed-in Users &
 * Permissions user, whose role has the token route enabled) and `GET /api/iflychat/config` (public). Thin: the token service decides,
 * and each of its failures maps to one status here.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';

import type { IssueToken, PublicConfig } from '../../../contracts/users';
import { TokenFailure } from '../tokens/service';
import type { SiteUser } from '../tokens/params';
import { getService } from '../utils/get-service';

/**
 * Strapi has error classes for 4xx statuses only; 502 and 503 get the same body shape here,
 * the one place that sends them.
 */
export function gatewayError(
  ctx: Context,
  status: 502 | 503,
  message: string,
  retryAfter?: number
) {
  if (retryAfter !== undefined) ctx.set('Retry-After', String(retryAfter));
  ctx.status = status;
  ctx.body = {
    data: null,
    error: {
      status,
      name: status === 502 ? 'BadGatewayError' : 'ServiceUnavailableError',
      message,
      details: {},
    },
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async generate(ctx: Context) {
    ctx.set('Cache-Control', 'no-store');
    const user = ctx.state.user as SiteUser | undefined;
    if (!user || user.id === undefined || user.id === null) {
      throw new errors.UnauthorizedError('Sign in as a site user to get a chat token');
    }
    try {
      const data = await getService(strapi, 'tokens').issue(user);
      ctx.body = { data } satisfies IssueToken.Response;
    } catch (error) {
      if (!(error instanceof TokenFailure)) throw error;
      switch (error.kind) {
        case 'rate-limited':
          ctx.set('Retry-After', String(error.retryAfterSeconds ?? 60));
          throw new errors.RateLimitError(error.message);
        case 'not-configured':
          return gatewayError(ctx, 503, error.message);
        case 'refused':
          strapi.log.warn(`[iflychat] chat token for user ${String(user.id)}: ${error.message}`);
          return gatewayError(ctx, 502, 'iFlyChat refused to issue a chat token');
        case 'unavailable':
          strapi.log.warn(`[iflychat] chat token for user ${String(user.id)}: ${error.message}`);
          return gatewayError(
            ctx,
            503,
            'iFlyChat is not available at the moment: try again later',
            error.retryAfterSeconds
          );
        case 'revoked':
          throw new errors.ForbiddenError('Your access to the chat changed: sign in again');
      }
    }
  },

  /**
   * `DELETE /api/iflychat/token`: the caller's own chat tokens are revoked on every instance and
   * deleted in iFlyChat. It names no token: no one can sign another user out.
   */
  async signOut(ctx: Context) {
    ctx.set('Cache-Control', 'no-store');
    const user = ctx.state.user as SiteUser | undefined;
    if (!user || user.id === undefined || user.id === null) {
      throw new errors.UnauthorizedError('Sign in as a site user to sign out of the chat');
    }
    await getService(strapi, 'tokens').signOut(user);
    ctx.status = 204;
  },

  async config(ctx: Context) {
    const data = await getService(strapi, 'tokens').publicConfig();
    if (!data) return gatewayError(ctx, 503, 'No iFlyChat app id is configured');
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.body = { data } satisfies PublicConfig.Response;
  },
});
