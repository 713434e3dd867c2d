/**
 * What a site user's chat token says about them, decided from the user, their role and the
 * settings: pure functions, so every rule is tested without Strapi.
 *
 * `user_roles` comes from the same role map that gives rooms their `room_role`, so a user enters
 * exactly the rooms made for their role. A role type that the map does not list gives `{}`:
 * never everyone (`0`), never admin.
 */
import { isRoleId } from '../../../contracts/config';
import type { ChatRole, UserSettings } from '../../../contracts/users';
import type { TokenParams } from '../iflychat/tokens';
import { lookupRoleId } from '../rooms/params';

export interface SiteUser {
  id: number | string;
  documentId?: string | null;
  username?: string | null;
  blocked?: boolean | null;
  role?: { id?: number; type?: string | null; name?: string | null } | null;
  [attribute: string]: unknown;
}

export type TokenSettings = Pick<
  UserSettings,
  'chatRoleMap' | 'userIdPrefix' | 'userNameAttribute' | 'userAvatarUrl' | 'userProfileUrl'
> & { roleMap: Record<string, string> };

/** The iFlyChat role ids the role map gives the room roles of everyone (`0`) and no one. */
const ALL_USERS_ROLE = '0';

/** `map[key]`, only when `key` is the map's own property: never `constructor` or `__proto__`. */
export function ownValue<V>(map: Record<string, V>, key: string | null | undefined): V | undefined {
  if (typeof key !== 'string' || !Object.hasOwn(map, key)) return undefined;
  return map[key];
}

/** `{ [roleMap[role.type]]: role.name }`, or `{}` for a role the map does not list. */
export function userRoles(
  roleMap: Record<string, string>,
  role: SiteUser['role']
): Record<string, string> {
  // The lookup that gives rooms their room_role, so a user enters exactly the rooms of their role.
  const id = typeof role?.type === 'string' ? lookupRoleId(roleMap, role.type) : undefined;
  // Only an id of the role map's own format; `0` (all users) is a room role, not a user role.
  if (id === undefined || !isRoleId(id) || id === ALL_USERS_ROLE) return {};
  const name = typeof role?.name === 'string' && role.name.trim() ? role.name.trim() : role?.type;
  return { [id]: String(name) };
}

/** `chat_role`: `participant` unless the chat-role map names the role type. */
export function chatRole(chatRoleMap: Record<string, ChatRole>, role: SiteUser['role']): ChatRole {
  return ownValue(chatRoleMap, role?.type) ?? 'participant';
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** Fills `{id}`, `{documentId}` and `{username}`, each URL-encoded. */
export function renderUserUrl(template: string, user: SiteUser): string {
  const values: Record<string, string> = {
    id: text(user.id),
    documentId: text(user.documentId),
    username: text(user.username),
  };
  return template.replace(/\{(id|documentId|username)\}/g, (_, name: string) =>
    encodeURIComponent(ownValue(values, name) ?? '')
  );
}

/** The display name: the configured attribute, or the username when it is empty. */
export function userName(user: SiteUser, attribute: string): string {
  const value = Object.hasOwn(user, attribute) ? text(user[attribute]) : '';
  return (value || text(user.username) || `user ${text(user.id)}`).slice(0, 255);
}

export function tokenParams(user: SiteUser, settings: TokenSettings, appId: string): TokenParams {
  return {
    appId,
    userId: `${settings.userIdPrefix}${text(user.id)}`,
    userName: userName(user, settings.userNameAttribute),
    chatRole: chatRole(settings.chatRoleMap, user.role),
    userRoles: userRoles(settings.roleMap, user.role),
    avatarUrl: settings.userAvatarUrl ? renderUserUrl(settings.userAvatarUrl, user) : undefined,
    profileUrl: settings.userProfileUrl ? renderUserUrl(settings.userProfileUrl, user) : undefined,
  };
}
