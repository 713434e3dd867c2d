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
const CONTENT_MANAGER_UPDATE = 'plugin::content-manager.explorer.update';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const panel = () => getService(strapi, 'rooms');

  /**
   * Only editors who may read entries of the type see their rooms, and only those who may also
   * update them change their rooms (the actions write the entry's room id field).
   */
  function forbidden(ctx: AdminContext, target: RoomTarget, changes: boolean): boolean {
    const ability = ctx.state.userAbility;
    const action = changes ? CONTENT_MANAGER_UPDATE : CONTENT_MANAGER_READ;
    if (ability?.can(CONTENT_MANAGER_READ, target.uid) && ability.can(action, target.uid)) {
      return false;
    }
    ctx.status = 403;
    ctx.body = {
      data: null,
      error: {
        status: 403,
        name: 'ForbiddenError',
        message: `You may not ${changes ? 'update' : 'read'} ${target.uid} entries`,
      },
    };
    return true;
  }

  async function answer(
    ctx: AdminContext,
    target: RoomTarget,
    run: () => Promise<GetRoomStatus.Response['data']>,
    changes = true
  ) {
    if (forbidden(ctx, target, changes)) return;
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
      await answer(ctx, target, () => panel().status(target), false);
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
