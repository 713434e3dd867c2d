/**
 * Revokes a user's chat tokens when the user is blocked, deleted, given another role or changes
 * what their token shows of them: a database lifecycle subscription on Users & Permissions users,
 * so every way of changing a user (admin panel, REST, `strapi.db.query`) counts. An update is
 * compared before and after: the Content Manager sends every field (the role too) on any save,
 * and a save that changes nothing a token carries keeps the token. The revocation is written once
 * the change has committed (a token issued meanwhile is caught by the service's re-read of the
 * user). A change of the token route's permissions has every grant checked again.
 */
import type { Core } from '@strapi/strapi';

import { syncBlocked } from '../moderation/block-sync';
import type { EffectiveSettings } from '../settings/service';
import { afterCommit } from '../utils/after-commit';
import { getService } from '../utils/get-service';
import { describe } from '../utils/errors';

export const USER_UID = 'plugin::users-permissions.user';
const PERMISSION_UID = 'plugin::users-permissions.permission';

interface LifecycleEvent {
  params?: { where?: unknown; data?: Record<string, unknown> };
  result?: unknown;
  state: {
    ids?: Array<number | string>;
    /** An update of many users' `blocked`: whom it changes (the iFlyChat ban follows). */
    blockIds?: Array<number | string>;
    /** An update: what the user's token is made of, and its values before the update. */
    carried?: ReturnType<typeof carriedAttributes>;
    before?: Awaited<ReturnType<typeof carriedFacts>>;
  };
}

function touchesAccess(data: Record<string, unknown> | undefined): boolean {
  if (!data) return false;
  return data.blocked === true || Object.hasOwn(data, 'role');
}

type UserAttributes = Record<string, { type?: string }>;

/**
 * The user's own columns a chat token is made of under these settings (tokens/params.ts and
 * identity.ts), and the media field of the avatar, when the user model has them.
 */
export function carriedAttributes(
  attributes: UserAttributes,
  settings: Pick<
    EffectiveSettings,
    | 'userNameAttribute'
    | 'chatAdminAttribute'
    | 'chatModeratorAttribute'
    | 'userAvatarField'
    | 'userAvatarGravatar'
  >
): { columns: string[]; media: string | undefined } {
  const named = [
    'blocked',
    'username', // the name's fallback, the usernames lists, the URL templates
    settings.userAvatarGravatar ? 'email' : undefined,
    settings.userNameAttribute,
    settings.chatAdminAttribute,
    settings.chatModeratorAttribute,
  ];
  const isColumn = (name: string | undefined): name is string =>
    name !== undefined &&
    Object.hasOwn(attributes, name) &&
    !['relation', 'media', 'component', 'dynamiczone'].includes(attributes[name].type ?? '');
  const media = settings.userAvatarField;
  return {
    columns: [...new Set(['id', ...named.filter(isColumn)])],
    media: media && attributes[media]?.type === 'media' ? media : undefined,
  };
}

/** Whether an update's data names something a token is made of (see `carriedAttributes`). */
function touchesToken(
  data: Record<string, unknown> | undefined,
  carried: ReturnType<typeof carriedAttributes>
): boolean {
  if (!data) return false;
  const names = ['role', ...carried.columns, ...(carried.media ? [carried.media] : [])];
  return names.some((name) => Object.hasOwn(data, name));
}

/** What a user's token is made of, as stored now, comparable; null when there is no such user. */
async function carriedFacts(
  strapi: Core.Strapi,
  where: unknown,
  carried: ReturnType<typeof carriedAttributes>
): Promise<{ key: string; blocked: boolean; roleId: number | null } | null> {
  const row = (await strapi.db.query(USER_UID).findOne({
    where: where as Record<string, unknown>,
    select: carried.columns,
    populate: {
      role: { select: ['id'] },
      ...(carried.media ? { [carried.media]: { select: ['id', 'url'] } } : {}),
    },
  })) as (Record<string, unknown> & { role?: { id?: number } | null }) | null;
  if (!row) return null;
  const roleId = row.role?.id ?? null;
  return { key: JSON.stringify(row), blocked: row.blocked === true, roleId };
}

/** Why a token made of `before` no longer fits `after`, or null while it does. */
function changeOf(
  before: Awaited<ReturnType<typeof carriedFacts>>,
  after: Awaited<ReturnType<typeof carriedFacts>>
): string | null {
  if (!before || !after) return null; // a deleted user is revoked by `afterDelete`
  if (after.blocked && !before.blocked) return 'blocked';
  if (after.roleId !== before.roleId) return 'role changed';
  return after.key === before.key ? null : 'identity changed';
}

function idOf(row: unknown): number | string | undefined {
  const id = (row as { id?: unknown } | null)?.id;
  return typeof id === 'number' || typeof id === 'string' ? id : undefined;
}

const subscriptions = new WeakMap<Core.Strapi, () => void>();

/** Stops watching users (from `destroy`). */
export function unsubscribeUserChanges(strapi: Core.Strapi): void {
  subscriptions.get(strapi)?.();
  subscriptions.delete(strapi);
}

/** Watches users (from `bootstrap`). */
export function subscribeUserChanges(strapi: Core.Strapi): void {
  /** Runs `task` once the current transaction (if any) has committed. */
  const onceCommitted = async (task: () => void) => {
    try {
      await afterCommit(strapi, task);
    } catch (error) {
      strapi.log.warn(`[iflychat] chat token revocation: ${describe(error)}`);
    }
  };
  const revoke = (id: number | string | undefined, why: string) => {
    if (id === undefined) return Promise.resolve();
    return onceCommitted(() => void getService(strapi, 'tokens').revoke(id, why));
  };
  const review = () => onceCommitted(() => getService(strapi, 'tokens').reviewGrants());
  /** `banBlockedUsers`: the iFlyChat ban follows `blocked`, after the commit, never awaited. */
  const followBlock = (id: number | string, blocked: boolean) =>
    onceCommitted(() => void syncBlocked(strapi, id, blocked));
  const idsMatching = async (where: unknown) => {
    const rows = (await strapi.db
      .query(USER_UID)
      .findMany({ where: where as Record<string, unknown>, select: ['id'] })) as unknown[];
    return rows.map(idOf).filter((id): id is number | string => id !== undefined);
  };
  const why = (data: Record<string, unknown> | undefined) =>
    data?.blocked === true ? 'blocked' : 'role changed';

  const carried = async () => {
    const { attributes } = strapi.contentTypes[USER_UID as keyof typeof strapi.contentTypes] as {
      attributes: UserAttributes;
    };
    return carriedAttributes(attributes, await getService(strapi, 'settings').get());
  };

  const subscriber = {
    models: [USER_UID],
    async beforeUpdate(event: LifecycleEvent) {
      const attributes = await carried();
      if (!touchesToken(event.params?.data, attributes)) return;
      event.state.carried = attributes;
      event.state.before = await carriedFacts(strapi, event.params?.where, attributes);
    },
    async afterUpdate(event: LifecycleEvent) {
      const id = idOf(event.result);
      if (!event.state.carried || id === undefined) return;
      const after = await carriedFacts(strapi, { id }, event.state.carried);
      const before = event.state.before ?? null;
      const change = changeOf(before, after);
      if (change) await revoke(id, change);
      if (before && after && before.blocked !== after.blocked) await followBlock(id, after.blocked);
    },
    async beforeUpdateMany(event: LifecycleEvent) {
      const data = event.params?.data;
      if (touchesAccess(data)) event.state.ids = await idsMatching(event.params?.where);
      if (typeof data?.blocked === 'boolean') {
        event.state.blockIds = await idsMatching({
          $and: [
            event.params?.where ?? {},
            { $or: [{ blocked: { $ne: data.blocked } }, { blocked: { $null: true } }] },
          ],
        });
      }
    },
    async afterUpdateMany(event: LifecycleEvent) {
      for (const id of event.state.ids ?? []) await revoke(id, why(event.params?.data));
      const blocked = event.params?.data?.blocked === true;
      for (const id of event.state.blockIds ?? []) await followBlock(id, blocked);
    },
    async afterDelete(event: LifecycleEvent) {
      await revoke(idOf(event.result), 'deleted');
    },
    async beforeDeleteMany(event: LifecycleEvent) {
      event.state.ids = await idsMatching(event.params?.where);
    },
    async afterDeleteMany(event: LifecycleEvent) {
      for (const id of event.state.ids ?? []) await revoke(id, 'deleted');
    },
  };
  // Any change of a role's permissions may enable or disable the token route.
  const permissions = {
    models: [PERMISSION_UID],
    afterCreate: review,
    afterCreateMany: review,
    afterUpdate: review,
    afterUpdateMany: review,
    afterDelete: review,
    afterDeleteMany: review,
  };
  const unsubscribeUsers = strapi.db.lifecycles.subscribe(subscriber);
  const unsubscribePermissions = strapi.db.lifecycles.subscribe(permissions);
  subscriptions.set(strapi, () => {
    unsubscribeUsers();
    unsubscribePermissions();
  });
}
