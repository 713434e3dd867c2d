/**
 * Who a site user is in the chat beyond their id, name and room roles, as iFlyChat's own
 * integrations send it: an avatar (a media field of the user, the URL template, or Gravatar),
 * chat admins and moderators by person (a boolean attribute or a list of usernames) besides the
 * role-based chat-role map, and `user_site_roles` (every room role of the role map) for them.
 *
 * The rules are pure functions; {@link withIdentity} reads what they need (the avatar file, the
 * role names) from Strapi, only when a setting asks for it.
 */
import { createHash } from 'node:crypto';

import type { Core } from '@strapi/strapi';

import { isRoleId } from '../../../contracts/config';
import type { ChatRole, UserSettings } from '../../../contracts/users';
import type { TokenParams } from '../iflychat/tokens';
import type { SiteUser } from './params';
import { identityAttributeProblems, type UserModel } from './user-model';

export type IdentitySettings = Pick<
  UserSettings,
  | 'userAvatarField'
  | 'userAvatarGravatar'
  | 'chatAdminAttribute'
  | 'chatModeratorAttribute'
  | 'chatAdminUsernames'
  | 'chatModeratorUsernames'
> & { roleMap: Record<string, string> };

const USER_UID = 'plugin::users-permissions.user';
const ROLE_UID = 'plugin::users-permissions.role';
const MAX_URL_LENGTH = 2_048;

/** Lowest first: a person's chat role only ever raises the one their site role gives. */
const CHAT_ROLE_RANK: readonly ChatRole[] = ['viewer', 'participant', 'moderator', 'admin'];

export function higherChatRole(a: ChatRole, b: ChatRole | undefined): ChatRole {
  if (b === undefined) return a;
  return CHAT_ROLE_RANK.indexOf(b) > CHAT_ROLE_RANK.indexOf(a) ? b : a;
}

/** `admin` or `moderator` when the user's boolean attribute or username says so. */
export function personalChatRole(user: SiteUser, settings: IdentitySettings): ChatRole | undefined {
  const flagged = (attribute: string | undefined) =>
    attribute !== undefined && Object.hasOwn(user, attribute) && user[attribute] === true;
  const listed = (names: string[]) =>
    typeof user.username === 'string' && names.includes(user.username);
  if (flagged(settings.chatAdminAttribute) || listed(settings.chatAdminUsernames)) return 'admin';
  if (flagged(settings.chatModeratorAttribute) || listed(settings.chatModeratorUsernames)) {
    return 'moderator';
  }
  return undefined;
}

/** Gravatar's image for an e-mail address (SHA-256 of the trimmed, lower-cased address). */
export function gravatarUrl(email: unknown): string | undefined {
  if (typeof email !== 'string' || !email.includes('@')) return undefined;
  const hash = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  return `https://gravatar.com/avatar/${hash}?d=mp`;
}

/**
 * A media file's URL as iFlyChat can load it: absolute http(s) as it is, a path (`/uploads/…`)
 * joined to the server's public URL (`server.url`) when that is absolute, otherwise none.
 */
export function mediaUrl(file: unknown, publicUrl: unknown): string | undefined {
  const url =
    typeof file === 'object' && file !== null && Object.hasOwn(file, 'url')
      ? (file as { url: unknown }).url
      : undefined;
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH || /\s/.test(url)) return undefined;
  if (/^https?:\/\/[^/?#]+/i.test(url)) return url;
  if (!url.startsWith('/') || url.startsWith('//')) return undefined;
  if (typeof publicUrl !== 'string' || !/^https?:\/\/[^\s/?#]+/i.test(publicUrl)) return undefined;
  return `${publicUrl.replace(/\/+$/, '')}${url}`;
}

/** Every room role of the role map (never `0`, everyone), id → the first role's name. */
export function siteRoles(
  roleMap: Record<string, string>,
  roleNames: Map<string, string>
): Record<string, string> {
  const roles = new Map<string, string>();
  for (const [type, id] of Object.entries(roleMap)) {
    if (!isRoleId(id) || id === '0' || roles.has(id)) continue;
    roles.set(id, roleNames.get(type) ?? type);
  }
  return Object.fromEntries(roles);
}

/** What Strapi holds that the identity needs: the avatar file and the site roles' names. */
export interface IdentityContext {
  avatarFile?: unknown;
  publicUrl?: unknown;
  roleNames: Map<string, string>;
}

/** The parameters with the identity settings applied (pure). */
export function applyIdentity(
  params: TokenParams,
  user: SiteUser,
  settings: IdentitySettings,
  context: IdentityContext
): TokenParams {
  const chatRole = higherChatRole(params.chatRole, personalChatRole(user, settings));
  const avatarUrl =
    mediaUrl(context.avatarFile, context.publicUrl) ??
    params.avatarUrl ??
    (settings.userAvatarGravatar ? gravatarUrl(user.email) : undefined);
  const staff = chatRole === 'admin' || chatRole === 'moderator';
  return {
    ...params,
    chatRole,
    avatarUrl,
    siteRoles: staff ? siteRoles(settings.roleMap, context.roleNames) : undefined,
  };
}

async function avatarFile(strapi: Core.Strapi, user: SiteUser, field: string): Promise<unknown> {
  const row = (await strapi.db.query(USER_UID).findOne({
    where: { id: user.id },
    select: ['id'],
    populate: { [field]: true },
  })) as Record<string, unknown> | null;
  return row && Object.hasOwn(row, field) ? row[field] : undefined;
}

async function roleNames(strapi: Core.Strapi): Promise<Map<string, string>> {
  const rows = (await strapi.db.query(ROLE_UID).findMany({ select: ['type', 'name'] })) as Array<{
    type?: unknown;
    name?: unknown;
  }>;
  const names = new Map<string, string>();
  for (const row of rows) {
    if (typeof row.type === 'string' && typeof row.name === 'string') names.set(row.type, row.name);
  }
  return names;
}

/**
 * The parameters with the identity applied, reading the avatar file and role names only when
 * needed. A setting that no longer fits the user model (changed since it was saved) is left out.
 */
export async function withIdentity(
  strapi: Core.Strapi,
  user: SiteUser,
  settings: IdentitySettings,
  params: TokenParams
): Promise<TokenParams> {
  const model = strapi.contentTypes[USER_UID as keyof typeof strapi.contentTypes] as
    UserModel | undefined;
  const unusable = new Set(identityAttributeProblems(model, settings).map((p) => p.path[0]));
  const usable: IdentitySettings = {
    ...settings,
    userAvatarField: unusable.has('userAvatarField') ? undefined : settings.userAvatarField,
    chatAdminAttribute: unusable.has('chatAdminAttribute')
      ? undefined
      : settings.chatAdminAttribute,
    chatModeratorAttribute: unusable.has('chatModeratorAttribute')
      ? undefined
      : settings.chatModeratorAttribute,
  };
  const staff = higherChatRole(params.chatRole, personalChatRole(user, usable));
  const context: IdentityContext = {
    avatarFile: usable.userAvatarField
      ? await avatarFile(strapi, user, usable.userAvatarField)
      : undefined,
    publicUrl: strapi.config.get('server.url'),
    roleNames:
      staff === 'admin' || staff === 'moderator'
        ? await roleNames(strapi)
        : new Map<string, string>(),
  };
  return applyIdentity(params, user, usable, context);
}
