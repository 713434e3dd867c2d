/**
 * Members-only rooms in chat tokens: a binding whose `roomRole` is `{ members: '<relation>' }`
 * gives each room a `room_role` of its own (rooms/params.ts `memberRoomRole`), and a user's
 * token carries that key for every such room the user may enter:
 *
 * - the published entries whose relation lists the user and that have a room (their room id
 *   attribute is set), found with one query per binding over the relation's join table;
 * - with `alsoRole`, every published entry with a room, for a user of that role type.
 *
 * Past `memberRoomsPerToken` rooms the rest are left out of the token and named in the log.
 */
import type { Core } from '@strapi/strapi';

import { isMemberRoleId, type Binding } from '../../../contracts/config';
import {
  BUILT_IN_PLACEHOLDERS,
  isLocalized,
  ownAttribute,
  templatePlaceholders,
  type ModelLike,
} from '../config/bindings';
import { memberRoomRole, memberScopeLocale, renderRoomName, type Entry } from '../rooms/params';
import type { SiteUser } from './params';

/** Rooms left out past the cap that the log names one by one; the rest are counted. */
const LEFT_OUT_NAMED = 20;

export interface MemberRoom {
  /** The room's `room_role`: the key in `user_roles`. */
  role: string;
  name: string;
  contentType: string;
  documentId: string;
}

type MembersSource = { members: string; alsoRole?: string };

/** The bindings with members-only rooms, and their relation. */
export function membersBindings(
  contentTypes: Record<string, Binding>
): Array<{ uid: string; binding: Binding; source: MembersSource }> {
  return Object.entries(contentTypes).flatMap(([uid, binding]) => {
    const source = binding.roomRole;
    return typeof source === 'object' && 'members' in source ? [{ uid, binding, source }] : [];
  });
}

/** The columns a member room needs: its document, locale, and the room name's attributes. */
function columnsOf(model: ModelLike, binding: Binding): string[] {
  const builtIn: readonly string[] = BUILT_IN_PLACEHOLDERS;
  const named = templatePlaceholders(binding.roomName).filter(
    (name) => !builtIn.includes(name) && ownAttribute(model, name)?.type !== 'relation'
  );
  return [...new Set(['id', 'documentId', ...(isLocalized(model) ? ['locale'] : []), ...named])];
}

/**
 * The user's member rooms of one binding (every room of it, with `every`), at most `limit`,
 * oldest entries first.
 */
async function roomsOfBinding(
  strapi: Core.Strapi,
  target: { uid: string; binding: Binding; source: MembersSource },
  user: SiteUser,
  limit: number,
  every: boolean
): Promise<MemberRoom[]> {
  const { uid, binding, source } = target;
  const model = strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as
    ModelLike | undefined;
  if (!model) return [];
  const everyRoom = every || (source.alsoRole !== undefined && user.role?.type === source.alsoRole);
  const rows = (await strapi.db.query(uid).findMany({
    select: columnsOf(model, binding),
    where: {
      publishedAt: { $notNull: true },
      [binding.roomIdField]: { $notNull: true },
      ...(everyRoom ? {} : { [source.members]: { id: user.id } }),
    },
    orderBy: { id: 'asc' },
    limit,
  })) as Entry[];
  const rooms = new Map<string, MemberRoom>();
  for (const row of rows) {
    const role = memberRoomRole(row.documentId, memberScopeLocale(binding, row.locale));
    // One room per document: its locales' rows give one room (named after the first one).
    if (rooms.has(role)) continue;
    const name = renderRoomName(binding.roomName, row) || row.documentId;
    rooms.set(role, { role, name, contentType: uid, documentId: row.documentId });
  }
  return [...rooms.values()];
}

/**
 * The `user_roles` keys of the user's member rooms (of every members-only room, with `every`):
 * room role → room name, at most `cap`, and the rooms left out past it (up to
 * {@link LEFT_OUT_NAMED} + 1 of them, to name in the log).
 */
export async function memberRooms(
  strapi: Core.Strapi,
  settings: { contentTypes: Record<string, Binding>; memberRoomsPerToken: number },
  user: SiteUser,
  every = false
): Promise<{ roles: Record<string, string>; leftOut: MemberRoom[] }> {
  const cap = settings.memberRoomsPerToken;
  const found: MemberRoom[] = [];
  for (const target of membersBindings(settings.contentTypes)) {
    const room = cap + LEFT_OUT_NAMED + 1 - found.length;
    if (room <= 0) break;
    found.push(...(await roomsOfBinding(strapi, target, user, room, every)));
  }
  const roles = new Map(found.slice(0, cap).map((room) => [room.role, room.name]));
  return { roles: Object.fromEntries(roles), leftOut: found.slice(cap) };
}

/** The log line naming the rooms a user's token leaves out (their names are not secret). */
export function leftOutMessage(userId: number | string, cap: number, leftOut: MemberRoom[]) {
  const named = leftOut
    .slice(0, LEFT_OUT_NAMED)
    .map((room) => `"${room.name}" (${room.contentType} ${room.documentId})`);
  const more = leftOut.length > LEFT_OUT_NAMED ? ' and more' : '';
  return (
    `[iflychat] user ${String(userId)} may enter more than ${cap} members-only rooms ` +
    `(memberRoomsPerToken): their chat token leaves out ${named.join(', ')}${more}`
  );
}

/** The user's token parameters with their member rooms added to `user_roles`; logs the rest. */
export async function withMemberRooms<P extends { userRoles: Record<string, string> }>(
  strapi: Core.Strapi,
  settings: { contentTypes: Record<string, Binding>; memberRoomsPerToken: number },
  user: SiteUser,
  params: P
): Promise<P> {
  if (membersBindings(settings.contentTypes).length === 0) return params;
  const { roles, leftOut } = await memberRooms(strapi, settings, user);
  if (leftOut.length > 0) {
    strapi.log.warn(leftOutMessage(user.id, settings.memberRoomsPerToken, leftOut));
  }
  return { ...params, userRoles: { ...params.userRoles, ...roles } };
}

/** The member rooms' keys among a token's `user_roles`, comparable (sorted). */
export function memberRoomsKey(userRoles: Record<string, string>): string {
  return JSON.stringify(Object.keys(userRoles).filter(isMemberRoleId).sort());
}

/** The member rooms' keys a token for the user would carry now (see {@link memberRoomsKey}). */
export async function currentMemberRoomsKey(
  strapi: Core.Strapi,
  settings: { contentTypes: Record<string, Binding>; memberRoomsPerToken: number },
  user: SiteUser
): Promise<string> {
  if (membersBindings(settings.contentTypes).length === 0) return memberRoomsKey({});
  return memberRoomsKey((await memberRooms(strapi, settings, user)).roles);
}

/**
 * A chat admin's or moderator's parameters with every members-only room in `user_site_roles`
 * too (iFlyChat's integrations send every role of the site there), at most
 * `memberRoomsPerToken` of them; others' parameters as they are.
 */
export async function withMemberSiteRoles<P extends { siteRoles?: Record<string, string> }>(
  strapi: Core.Strapi,
  settings: { contentTypes: Record<string, Binding>; memberRoomsPerToken: number },
  user: SiteUser,
  params: P
): Promise<P> {
  if (!params.siteRoles || membersBindings(settings.contentTypes).length === 0) return params;
  const { roles } = await memberRooms(strapi, settings, user, true);
  return { ...params, siteRoles: { ...params.siteRoles, ...roles } };
}
