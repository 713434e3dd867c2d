/**
 * Drops a user's chat token when the user is blocked, deleted or given another role: a
 * database lifecycle subscription on Users & Permissions users, so every way of changing a user
 * (admin panel, REST, `strapi.db.query`) counts.
 */
import type { Core } from '@strapi/strapi';

import { getService } from '../utils/get-service';

export const USER_UID = 'plugin::users-permissions.user';

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
  const revoke = (id: number | string | undefined, why: string) => {
    if (id === undefined) return;
    try {
      getService(strapi, 'tokens').revoke(id, why);
    } catch (error) {
      strapi.log.warn(
        `[iflychat] could not drop the chat token of user ${String(id)}: ${error instanceof Error ? error.message : String(error)}`
      );
    }
  };
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
    afterUpdate(event: LifecycleEvent) {
      if (touchesAccess(event.params?.data)) revoke(idOf(event.result), why(event.params?.data));
    },
    async beforeUpdateMany(event: LifecycleEvent) {
      if (touchesAccess(event.params?.data))
        event.state.ids = await idsMatching(event.params?.where);
    },
    afterUpdateMany(event: LifecycleEvent) {
      for (const id of event.state.ids ?? []) revoke(id, why(event.params?.data));
    },
    afterDelete(event: LifecycleEvent) {
      revoke(idOf(event.result), 'deleted');
    },
    async beforeDeleteMany(event: LifecycleEvent) {
      event.state.ids = await idsMatching(event.params?.where);
    },
    afterDeleteMany(event: LifecycleEvent) {
      for (const id of event.state.ids ?? []) revoke(id, 'deleted');
    },
  };
  const unsubscribe = strapi.db.lifecycles.subscribe(subscriber);
  subscriptions.set(strapi, unsubscribe);
}
