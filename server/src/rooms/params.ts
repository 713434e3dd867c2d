/**
 * Pure decisions about what room an entry gets: its name, its iFlyChat role and its flags.
 * Everything here is computed from the binding, the role map and the entry itself.
 */
import { createHash } from 'crypto';

import { isRoleId, MEMBER_ROLE_PREFIX, type Binding } from '../../../contracts/config';
import type { RoomParams } from '../iflychat/client';
import { templatePlaceholders } from '../config/bindings';
import { ALL_LOCALES } from '../sync/room-links-keys';
import { asText } from '../utils/text';

/** iFlyChat's room_role for "all users". */
export const EVERYONE_ROLE = '0';

/** Longest room name sent to iFlyChat; longer names are cut with an ellipsis. */
export const MAX_ROOM_NAME_LENGTH = 255;

export type Entry = Record<string, unknown> & { documentId: string; locale?: string | null };

export type RoomParamsResult = { ok: true; params: RoomParams } | { ok: false; reason: string };

/** Attributes the worker must populate to resolve the role (a relation to a role). */
export function relationFieldsToPopulate(binding: Binding): string[] {
  const role = binding.roomRole;
  return typeof role === 'object' && 'field' in role ? [role.field] : [];
}

/** Hex digits of the entry's hash in a member room's role: 128 bits. */
const MEMBER_ROLE_HASH_LENGTH = 32;

/**
 * The `room_role` of a members-only room: `member-` and a hash of the entry's document id and,
 * with one room per locale, its locale (`*` otherwise). Stable for the entry, always a valid
 * role id, and never one of the role map's (which may not start with `member-`). The chat token
 * of each member carries the same key (tokens/members.ts).
 */
export function memberRoomRole(documentId: string, scopeLocale: string): string {
  const hash = createHash('sha256').update(`${documentId}\n${scopeLocale}`).digest('hex');
  return `${MEMBER_ROLE_PREFIX}${hash.slice(0, MEMBER_ROLE_HASH_LENGTH)}`;
}

/** The locale part of a member room's role: the entry's locale, or `*` for one room per document. */
export function memberScopeLocale(binding: Binding, locale: unknown): string {
  return binding.roomPer === 'locale' && typeof locale === 'string' && locale
    ? locale
    : ALL_LOCALES;
}

export function renderRoomName(template: string, entry: Entry): string {
  let name = template;
  for (const placeholder of new Set(templatePlaceholders(template))) {
    name = name.split(`{${placeholder}}`).join(asText(entry[placeholder]));
  }
  name = name.replace(/\s+/g, ' ').trim();
  return name.length > MAX_ROOM_NAME_LENGTH ? `${name.slice(0, MAX_ROOM_NAME_LENGTH - 1)}…` : name;
}

/** The users-permissions role type an entry's role field holds, or undefined when it is empty. */
function roleTypeFromValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (value && typeof value === 'object' && 'type' in value) {
    const type = value.type;
    return typeof type === 'string' && type.trim() ? type.trim() : undefined;
  }
  return undefined;
}

function resolveRole(
  binding: Binding,
  entry: Entry,
  roleMap: Record<string, string>
): { ok: true; role: string } | { ok: false; reason: string } {
  const source = binding.roomRole;
  if (source === 'everyone') return { ok: true, role: EVERYONE_ROLE };
  if ('members' in source) {
    return {
      ok: true,
      role: memberRoomRole(entry.documentId, memberScopeLocale(binding, entry.locale)),
    };
  }

  let roleType: string | undefined;
  if ('role' in source) {
    roleType = source.role;
  } else {
    roleType = roleTypeFromValue(entry[source.field]);
    if (!roleType) {
      return {
        ok: false,
        reason: `the role field "${source.field}" is empty, so the room's audience is unknown`,
      };
    }
  }

  const role = lookupRoleId(roleMap, roleType);
  if (role === undefined) {
    return {
      ok: false,
      reason: `the role "${roleType}" has no iFlyChat role id in roleMap`,
    };
  }
  if (!isRoleId(role)) {
    return {
      ok: false,
      reason: `the iFlyChat role id mapped to "${roleType}" is not a valid role id`,
    };
  }
  return { ok: true, role };
}

/**
 * The iFlyChat role id mapped to a role type: the map's own keys only, so that a role field
 * holding `constructor`, `toString` or `__proto__` is an unmapped role, never something read
 * from Object.prototype. Anything but a string is "not mapped".
 */
export function lookupRoleId(
  roleMap: Record<string, string>,
  roleType: string
): string | undefined {
  if (!Object.hasOwn(roleMap, roleType)) return undefined;
  const role: unknown = roleMap[roleType];
  return typeof role === 'string' ? role : undefined;
}

/**
 * Whether the entry has chat (the binding's `enabled`): only an explicit `false` in its boolean
 * field turns it off, so entries made before the field was added keep their rooms.
 */
export function chatEnabled(binding: Binding, entry: Entry): boolean {
  const source = binding.enabled;
  return typeof source !== 'object' || entry[source.field] !== false;
}

function resolveFlag(source: Binding['private'], entry: Entry): boolean {
  if (typeof source === 'boolean') return source;
  return entry[source.field] === true;
}

export function resolveRoomParams(
  binding: Binding,
  entry: Entry,
  roleMap: Record<string, string>
): RoomParamsResult {
  const name = renderRoomName(binding.roomName, entry);
  if (!name) {
    return {
      ok: false,
      reason: `the room name template "${binding.roomName}" gives an empty name for this entry`,
    };
  }
  const role = resolveRole(binding, entry, roleMap);
  if (!role.ok) return role;
  return {
    ok: true,
    params: {
      name,
      role: role.role,
      private: resolveFlag(binding.private, entry),
      moderate: resolveFlag(binding.moderate, entry),
    },
  };
}
