/**
 * Admin API of the Content Manager's room panel (see contracts/rooms.ts). Thin: validate, check
 * the editor may see the entry's type, call the panel service, answer `{ data }`.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';

import {
  linkRoomSchema,
  roomTargetSchema,
  type GetRoomStatus,
  type RoomTarget,
} from '../../../contracts/rooms';
import { getService } from '../utils/get-service';
import { parseOr400 } from '../utils/validation';
import { RoomBusyError } from '../sync/panel';

type AdminContext = Context & {
  request: Context['request'] & { body?: unknown };
  state: { userAbility?: { can(action: string, subject?: string): boolean } };
};

const CONTENT_MANAGER_READ = 'plugin::content-manager.explorer.read';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const panel = () => getService(strapi, 'rooms');

  /** Only editors who may read entries of the type see (or change) their rooms. */
  function forbidUnlessReader(ctx: AdminContext, target: RoomTarget): boolean {
    if (ctx.state.userAbility?.can(CONTENT_MANAGER_READ, target.uid)) return false;
    ctx.status = 403;
    ctx.body = {
      data: null,
      error: {
        status: 403,
        name: 'ForbiddenError',
        message: `You may not read ${target.uid} entries`,
      },
    };
    return true;
  }

  async function answer(
    ctx: AdminContext,
    target: RoomTarget,
    run: () => Promise<GetRoomStatus.Response['data']>
  ) {
    if (forbidUnlessReader(ctx, target)) return;
    try {
      ctx.body = { data: await run() } satisfies GetRoomStatus.Response;
    } catch (error) {
      if (!(error instanceof RoomBusyError)) throw error;
      ctx.status = 409;
      ctx.body = {
        data: null,
        error: { status: 409, name: 'ConflictError', message: error.message },
      };
    }
  }

  const action =
    (name: 'retry' | 'unlink' | 'recreate') =>
    async (ctx: AdminContext): Promise<void> => {
      const target = parseOr400(roomTargetSchema, ctx.request.body);
      await answer(ctx, target, () => panel()[name](target));
    };

  return {
    async find(ctx: AdminContext) {
      const target = parseOr400(roomTargetSchema, ctx.query);
      await answer(ctx, target, () => panel().status(target));
    },
    retry: action('retry'),
    unlink: action('unlink'),
    recreate: action('recreate'),
    async link(ctx: AdminContext) {
      const target = parseOr400(linkRoomSchema, ctx.request.body);
      await answer(ctx, target, () => panel().link(target));
    },
  };
};
