/**
 * The Content Manager's own permission checker, for routes that act on entries for an editor:
 * the same rules the Content Manager applies (conditions such as "own entries", locales, fields).
 */
import type { Core } from '@strapi/strapi';

export interface PermissionChecker {
  can: {
    read(entity?: object, field?: string): boolean;
    update(entity?: object, field?: string): boolean;
    publish(entity?: object): boolean;
  };
  cannot: {
    read(entity?: object): boolean;
    update(entity?: object): boolean;
    publish(entity?: object): boolean;
  };
}

/** What the built-in conditions ("own entries", "same role as the creator") look at. */
export const CONDITION_POPULATE = {
  createdBy: { populate: { roles: true } },
  updatedBy: { populate: { roles: true } },
};

export function contentManagerChecker(
  strapi: Core.Strapi,
  userAbility: unknown,
  uid: string
): PermissionChecker {
  const service = strapi.plugin('content-manager').service<{
    create(options: { userAbility: unknown; model: string }): PermissionChecker;
  }>('permission-checker');
  return service.create({ userAbility, model: uid });
}
