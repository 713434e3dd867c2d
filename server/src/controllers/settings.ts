/**
 * Admin API of the settings page. Thin: validate, call a service, answer `{ data }`.
 * Every route is guarded by `admin::isAuthenticatedAdmin` and `admin::hasPermissions`.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';

import {
  previewSchema,
  type GetSettings,
  type ListContentTypes,
  type ListRoles,
  type PreviewRoomName,
  type TestConnection,
  type UpdateSettings,
} from '../../../contracts/settings';
import { issueMessage } from '../../../contracts/config';
import { getService } from '../utils/get-service';
import { isBindable, listBindableContentTypes, listRoles, previewRoomName } from '../settings/site';

type AdminContext = Context & { request: Context['request'] & { body?: unknown } };

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async find(ctx: AdminContext) {
    ctx.body = {
      data: await getService(strapi, 'settings').view(),
    } satisfies GetSettings.Response;
  },

  async update(ctx: AdminContext) {
    const data = await getService(strapi, 'settings').update(ctx.request.body);
    // Jobs waiting for a key, or for a binding, may run now.
    getService(strapi, 'sync').wake();
    ctx.body = { data } satisfies UpdateSettings.Response;
  },

  async testConnection(ctx: AdminContext) {
    ctx.body = {
      data: await getService(strapi, 'settings').testConnection(ctx.request.body),
    } satisfies TestConnection.Response;
  },

  contentTypes(ctx: AdminContext) {
    ctx.body = { data: listBindableContentTypes(strapi) } satisfies ListContentTypes.Response;
  },

  async roles(ctx: AdminContext) {
    ctx.body = { data: await listRoles(strapi) } satisfies ListRoles.Response;
  },

  async preview(ctx: AdminContext) {
    const parsed = previewSchema.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      throw new errors.ValidationError(`${issue.path.join('.')}: ${issueMessage(issue)}`, {
        errors: parsed.error.issues.map((one) => ({
          path: one.path.map(String),
          message: issueMessage(one),
          name: 'ValidationError',
          value: null,
        })),
      });
    }
    const { uid, roomName } = parsed.data;
    const model = strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as Parameters<
      typeof isBindable
    >[0];
    if (!isBindable(model)) {
      throw new errors.ValidationError(`uid: ${uid} is not a content type that can be bound`, {
        errors: [
          {
            path: ['uid'],
            message: `${uid} is not a content type that can be bound`,
            name: 'ValidationError',
            value: null,
          },
        ],
      });
    }
    ctx.body = {
      data: await previewRoomName(strapi, uid, roomName),
    } satisfies PreviewRoomName.Response;
  },
});
