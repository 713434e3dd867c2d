/**
 * Revokes a user's chat tokens when the user is blocked, deleted or given another role: a
 * database lifecycle subscription on Users & Permissions users, so every way of changing a user
 * (admin panel, REST, `strapi.db.query`) counts. The revocation is written once the change has
 * committed (a token issued meanwhile is caught by the service's re-read of the user). A change
 * of the token route's permissions has every grant checked again.
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

export const USER_UID = 'plugin::users-permissions.user';
const PERMISSION_UID = 'plugin::users-permissions.permission';

type TransactionHooks = { onCommit: (callback: () => void) => void };

interface LifecycleEvent {
  params?: { where?: unknown; data?: Record<string, unknown> };
  result?: unknown;
  state: { ids?: Array<number | string> };
}

function touchesAccess(data: Record<string, unknown> | undefined): boolean {
  if (!data) return false;
  return data.blocked === true || Object.hasOwn(data, 'role');
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
  const afterCommit = async (task: () => void) => {
    try {
      await strapi.db.transaction(({ onCommit }: TransactionHooks) => {
        onCommit(task);
        return Promise.resolve();
      });
    } catch (error) {
      strapi.log.warn(
        `[iflychat] chat token revocation: ${error instanceof Error ? error.message : String(error)}`
      );
    }
  };
  const revoke = (id: number | string | undefined, why: string) => {
    if (id === undefined) return Promise.resolve();
    return afterCommit(() => void getService(strapi, 'tokens').revoke(id, why));
  };
  const review = () => afterCommit(() => getService(strapi, 'tokens').reviewGrants());
  const idsMatching = async (where: unknown) => {
    const rows = (await strapi.db
      .query(USER_UID)
      .findMany({ where: where as Record<string, unknown>, select: ['id'] })) as unknown[];
    return rows.map(idOf).filter((id): id is number | string => id !== undefined);
  };
  const why = (data: Record<string, unknown> | undefined) =>
    data?.blocked === true ? 'blocked' : 'role changed';

  const subscriber = {
    models: [USER_UID],
    async afterUpdate(event: LifecycleEvent) {
      if (touchesAccess(event.params?.data))
        await revoke(idOf(event.result), why(event.params?.data));
    },
    async beforeUpdateMany(event: LifecycleEvent) {
      if (touchesAccess(event.params?.data))
        event.state.ids = await idsMatching(event.params?.where);
    },
    async afterUpdateMany(event: LifecycleEvent) {
      for (const id of event.state.ids ?? []) await revoke(id, why(event.params?.data));
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
