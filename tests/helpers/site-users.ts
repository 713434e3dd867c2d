/**
 * The site's own users, as the chat token tests need them: Users & Permissions roles, the token
 * route switched on for a role, users with a password, and their sign-in over HTTP.
 */
import type { Core } from '@strapi/strapi';

import { roleId } from './playground';

/** The Users & Permissions action of `POST /api/iflychat/token`. */
export const TOKEN_ACTION = 'plugin::iflychat.token.generate';

/** A new Users & Permissions role; resolves to its id. */
export async function createRole(strapi: Core.Strapi, name: string, type: string) {
  await strapi
    .plugin('users-permissions')
    .service('role')
    .createRole({ name, type, description: name });
  return roleId(strapi, type);
}

/** Lets the users of a role ask for chat tokens. */
export async function enableTokenRoute(strapi: Core.Strapi, role: number) {
  await strapi.db
    .query('plugin::users-permissions.permission')
    .create({ data: { action: TOKEN_ACTION, role } });
}

/** A confirmed, unblocked user of `roleType` who signs in with `password`. */
export async function addSiteUser(
  strapi: Core.Strapi,
  username: string,
  roleType: string,
  password: string
) {
  const user = await strapi
    .plugin('users-permissions')
    .service('user')
    .add({
      username,
      email: `${username}@example.com`,
      password,
      provider: 'local',
      confirmed: true,
      blocked: false,
      role: await roleId(strapi, roleType),
    });
  return user as { id: number; documentId: string };
}

/** Signs in through `POST /api/auth/local`; resolves to the JWT. */
export async function signInOverHttp(url: string, username: string, password: string) {
  const response = await fetch(`${url}/api/auth/local`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ identifier: username, password }),
  });
  const body = (await response.json()) as { jwt?: string };
  if (!body.jwt) throw new Error(`sign-in of ${username} failed: ${response.status}`);
  return body.jwt;
}
