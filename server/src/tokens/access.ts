/**
 * What a recorded chat token was granted for, and whether it still is: pure functions, so every
 * reason a token is revoked is tested without Strapi.
 *
 * A grant records the user's role (id and type) and what the role map and the chat-role map gave
 * that role when the token was issued. A grant is stale once its user is gone or blocked, has
 * another role, belongs to a role whose token route was switched off, or once the maps give the
 * role something else.
 */
import type { ChatRole } from '../../../contracts/users';
import { chatRole, userRoles } from './params';

export interface AccessSettings {
  roleMap: Record<string, string>;
  chatRoleMap: Record<string, ChatRole>;
  /** Chat admins and moderators by person, and the members-only bindings (see `personal`). */
  chatAdminAttribute?: string;
  chatAdminUsernames?: string[];
  chatModeratorAttribute?: string;
  chatModeratorUsernames?: string[];
  contentTypes?: Record<string, { roomRole?: unknown }>;
}

/**
 * The settings that give a token more than its role does: chat admins and moderators by person,
 * and members-only rooms. A change of any of them makes every grant stale (revoked, and issued
 * again at the next request): simpler than working out whom it concerns, and never too little.
 */
function personal(settings: AccessSettings): unknown[] {
  const members = Object.entries(settings.contentTypes ?? {})
    .filter(([, binding]) => typeof binding.roomRole === 'object' && binding.roomRole !== null)
    .map(([uid, binding]) => [uid, binding.roomRole]);
  return [
    settings.chatAdminAttribute ?? null,
    settings.chatAdminUsernames ?? [],
    settings.chatModeratorAttribute ?? null,
    settings.chatModeratorUsernames ?? [],
    members,
  ];
}

/** What the settings give a role type's tokens (chat role, role ids, `personal`), comparable. */
export function roleAccess(settings: AccessSettings, roleType: string | null | undefined): string {
  const role = typeof roleType === 'string' ? { type: roleType, name: roleType } : null;
  const ids = Object.keys(userRoles(settings.roleMap, role)).sort();
  return JSON.stringify([chatRole(settings.chatRoleMap, role), ids, ...personal(settings)]);
}

/** A recorded grant, as far as the check needs it. */
export interface GrantFacts {
  id: number;
  userId: number;
  roleId: number | null;
  roleType: string | null;
  roleAccess: string | null;
}

/** The user as the database has them now; undefined when deleted. */
export interface UserFacts {
  blocked: boolean;
  roleId: number | null;
}

/** Why a grant no longer holds, or null while it does. */
export function staleReason(
  grant: GrantFacts,
  user: UserFacts | undefined,
  settings: AccessSettings,
  rolesWithRoute: ReadonlySet<number>
): string | null {
  if (!user) return 'deleted';
  if (user.blocked) return 'blocked';
  if (user.roleId !== grant.roleId) return 'role changed';
  if (grant.roleId === null || !rolesWithRoute.has(grant.roleId)) return 'token route disabled';
  if (roleAccess(settings, grant.roleType) !== grant.roleAccess) return 'role map changed';
  return null;
}

/** The stale grants of a page, grouped by reason: `reason → grant ids`. */
export function staleGrants(
  grants: GrantFacts[],
  users: ReadonlyMap<number, UserFacts>,
  settings: AccessSettings,
  rolesWithRoute: ReadonlySet<number>
): Map<string, number[]> {
  const byReason = new Map<string, number[]>();
  for (const grant of grants) {
    const reason = staleReason(grant, users.get(grant.userId), settings, rolesWithRoute);
    if (reason === null) continue;
    const ids = byReason.get(reason) ?? [];
    ids.push(grant.id);
    byReason.set(reason, ids);
  }
  return byReason;
}
