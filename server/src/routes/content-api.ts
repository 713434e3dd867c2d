/**
 * Content API routes, mounted under `/api/iflychat`. `token.generate` is an action of
 * Users & Permissions (Settings → Users & Permissions → Roles → Iflychat), enabled for no role
 * until an admin ticks it; it allows both getting a token and signing out of the chat.
 */
import type { Context } from 'koa';

import { TOKEN_ACTION } from '../tokens/roles';

/**
 * Only a signed-in site user may ask for a token: without `Authorization: Bearer <jwt>` the answer
 * is 401 (not the Public role's 403), and an API token is not a user. With a bearer, Users &
 * Permissions decides (a blocked user gets its 401, a role without the action its 403).
 */
const requireSiteUser = {
  name: 'iflychat-site-user',
  authenticate(ctx: Context) {
    const header = ctx.request.headers.authorization;
    if (typeof header !== 'string' || !/^Bearer\s+\S+/i.test(header)) {
      return { error: 'Sign in as a site user to get a chat token' };
    }
    return { authenticated: false };
  },
};

export default {
  type: 'content-api' as const,
  routes: [
    {
      method: 'POST',
      path: '/token',
      handler: 'token.generate',
      config: {
        auth: { strategies: [requireSiteUser, 'users-permissions'] },
        policies: [],
      },
    },
    {
      // Signing out is allowed to whoever may get a token: the same Users & Permissions action.
      method: 'DELETE',
      path: '/token',
      handler: 'token.signOut',
      config: {
        auth: { strategies: [requireSiteUser, 'users-permissions'], scope: [TOKEN_ACTION] },
        policies: [],
      },
    },
    {
      method: 'GET',
      path: '/config',
      handler: 'token.config',
      config: { auth: false as const, policies: [] },
    },
  ],
};
