import type { Core } from '@strapi/strapi';

/** The Users & Permissions action of `POST /api/iflychat/token`. */
export const TOKEN_ACTION = 'plugin::iflychat.token.generate';
const PERMISSION_UID = 'plugin::users-permissions.permission';

/** Ids of the Users & Permissions roles whose users may ask for chat tokens. */
export async function rolesWithTokenRoute(strapi: Core.Strapi): Promise<Set<number>> {
  if (!(PERMISSION_UID in strapi.contentTypes)) return new Set();
  const rows = (await strapi.db.query(PERMISSION_UID).findMany({
    where: { action: TOKEN_ACTION },
    populate: ['role'],
  })) as Array<{ role?: { id?: number } | null }>;
  return new Set(rows.flatMap((row) => (typeof row.role?.id === 'number' ? [row.role.id] : [])));
}
