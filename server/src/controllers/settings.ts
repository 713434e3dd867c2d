/**
 * Admin API of the settings page. Thin: validate, call a service, answer `{ data }`.
 * Every route is guarded by `admin::isAuthenticatedAdmin` and `admin::hasPermissions`.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';

import {
  backfillSchema,
  type AccountCheck,
  previewSchema,
  type Backfill,
  type GetSettings,
  type ListContentTypes,
  type ListRoles,
  type PreviewRoomName,
  type TestConnection,
  type UpdateSettings,
} from '../../../contracts/settings';
import { syncRoomIdFields } from '../content-manager/room-id-field';
import {
  BUILT_IN_PLACEHOLDERS,
  ownAttribute,
  placeholderProblem,
  templatePlaceholders,
} from '../config/bindings';
import { CONDITION_POPULATE, contentManagerChecker } from '../utils/content-manager';
import { describe, ForbiddenError, withStrapiErrors } from '../utils/errors';
import { getService } from '../utils/get-service';
import { parseOr400, validationError } from '../utils/validation';
import { isBindable, listBindableContentTypes, listRoles, previewRoomName } from '../settings/site';

type AdminContext = Context & {
  request: Context['request'] & { body?: unknown };
  state: { userAbility?: unknown };
};

function fieldError(path: string, message: string) {
  return validationError([{ path: [path], message }]);
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** The `uid` of a request, which must name a bound content type. */
  async function boundUid(input: unknown): Promise<string> {
    const { uid } = parseOr400(backfillSchema, input);
    const { contentTypes } = await getService(strapi, 'settings').get();
    if (!Object.hasOwn(contentTypes, uid)) {
      throw fieldError('uid', `${uid} is not bound to iFlyChat: save its binding first`);
    }
    return uid;
  }

  return withStrapiErrors({
    async find(ctx: AdminContext) {
      ctx.body = {
        data: await getService(strapi, 'settings').view(),
      } satisfies GetSettings.Response;
    },

    async update(ctx: AdminContext) {
      const data = await getService(strapi, 'settings').update(ctx.request.body);
      // Bound types' room id fields become read-only in the Content Manager; unbound ones, back.
      await syncRoomIdFields(strapi, data.contentTypes);
      // Rows waiting for a key may run now; rows of a changed binding are marked by the audit.
      const sync = getService(strapi, 'sync');
      sync.wake();
      sync.audit().catch((error: unknown) => {
        strapi.log.error(`[iflychat] audit after saving the settings failed: ${describe(error)}`);
      });
      ctx.body = { data } satisfies UpdateSettings.Response;
    },

    async testConnection(ctx: AdminContext) {
      ctx.body = {
        data: await getService(strapi, 'settings').testConnection(ctx.request.body),
      } satisfies TestConnection.Response;
    },

    async checkAccount(ctx: AdminContext) {
      ctx.body = {
        data: await getService(strapi, 'settings').checkAccount(ctx.request.body ?? {}),
      } satisfies AccountCheck.Response;
    },

    contentTypes(ctx: AdminContext) {
      ctx.body = { data: listBindableContentTypes(strapi) } satisfies ListContentTypes.Response;
    },

    async roles(ctx: AdminContext) {
      ctx.body = { data: await listRoles(strapi) } satisfies ListRoles.Response;
    },

    async preview(ctx: AdminContext) {
      const { uid, roomName } = parseOr400(previewSchema, ctx.request.body);
      const model = Object.hasOwn(strapi.contentTypes, uid)
        ? (strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as Parameters<
            typeof isBindable
          >[0])
        : undefined;
      if (!isBindable(model)) {
        throw fieldError('uid', `${uid} is not a content type that can be bound`);
      }
      // Only what a room name may hold: attributes with a text form, never private ones.
      const placeholders = templatePlaceholders(roomName);
      for (const name of placeholders) {
        const problem = placeholderProblem(name, ownAttribute(model, name), uid);
        if (problem) throw fieldError('roomName', problem);
      }
      // Only for those who may read the type, and these fields, in the Content Manager.
      const checker = contentManagerChecker(strapi, ctx.state.userAbility, uid);
      const fields = placeholders.filter((name) => !BUILT_IN_PLACEHOLDERS.includes(name as never));
      if (checker.cannot.read() || fields.some((field) => !checker.can.read(undefined, field))) {
        throw new ForbiddenError(`You may not read ${uid} entries in the Content Manager`);
      }
      ctx.body = {
        data: await previewRoomName(
          strapi,
          uid,
          roomName,
          (entry) =>
            fields.every((field) => checker.can.read(entry, field)) && checker.can.read(entry),
          CONDITION_POPULATE
        ),
      } satisfies PreviewRoomName.Response;
    },

    /** Starts "Create rooms for existing entries" for a bound content type; answers its progress. */
    async startBackfill(ctx: AdminContext) {
      const uid = await boundUid(ctx.request.body);
      getService(strapi, 'sync').startBackfill(uid);
      ctx.status = 202;
      ctx.body = {
        data: await getService(strapi, 'sync').progress(uid),
      } satisfies Backfill.Response;
    },

    async backfillProgress(ctx: AdminContext) {
      const uid = await boundUid(ctx.query);
      ctx.body = {
        data: await getService(strapi, 'sync').progress(uid),
      } satisfies Backfill.Response;
    },
  });
};
