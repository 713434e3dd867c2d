/**
 * Admin API of moderation (see contracts/moderation.ts). Thin: validate (400 naming the field),
 * call the moderation service with the acting admin, answer `{ data }`. The routes check
 * `chat.moderate`; a failed iFlyChat call answers 502 (503 while no key is set or the call
 * budget is used up) with the plugin's words, never iFlyChat's answer.
 */
import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';

import {
  accountSearchSchema,
  banSchema,
  historySchema,
  ipSchema,
  logQuerySchema,
  roomOnlySchema,
  transcriptSchema,
  userTargetSchema,
  type ChatMessageView,
} from '../../../contracts/moderation';
import { ModerationFailure } from '../moderation/service';
import type { Actor } from '../moderation/log';
import { withStrapiErrors } from '../utils/errors';
import { getService } from '../utils/get-service';
import { parseOr400 } from '../utils/validation';
import { csvCell } from './rooms-page';
import { gatewayError } from './token';

type AdminContext = Context & {
  request: Context['request'] & { body?: unknown };
  state: {
    user?: { id?: number; firstname?: string; lastname?: string; username?: string };
  };
};

/** The acting admin: their id and the name the admin panel shows for them. */
function actorOf(ctx: AdminContext): Actor {
  const user = ctx.state.user;
  const full = [user?.firstname, user?.lastname].filter(Boolean).join(' ');
  return { id: user?.id ?? null, name: user?.username || full || `admin ${user?.id ?? '?'}` };
}

const TRANSCRIPT_COLUMNS: Array<[string, (m: ChatMessageView) => string]> = [
  ['time', (m) => m.time],
  ['fromId', (m) => m.fromId],
  ['fromName', (m) => m.fromName],
  ['message', (m) => m.message],
  ['messageId', (m) => m.messageId],
];

export function transcriptCsv(messages: ChatMessageView[]): string {
  const lines = [TRANSCRIPT_COLUMNS.map(([name]) => name).join(',')];
  for (const m of messages)
    lines.push(TRANSCRIPT_COLUMNS.map(([, get]) => csvCell(get(m))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Each action, with a failed iFlyChat call turned into its 502/503 answer. */
function answeringFailures<T extends Record<string, (ctx: AdminContext) => Promise<void>>>(
  actions: T
): T {
  const wrapped: Record<string, (ctx: AdminContext) => Promise<void>> = {};
  for (const [name, action] of Object.entries(actions)) {
    wrapped[name] = async (ctx) => {
      try {
        await action(ctx);
      } catch (error) {
        if (!(error instanceof ModerationFailure)) throw error;
        gatewayError(ctx, error.status, error.message, error.retryAfter);
      }
    };
  }
  return wrapped as T;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const moderation = () => getService(strapi, 'moderation');

  return withStrapiErrors(
    answeringFailures({
      async roomUsers(ctx: AdminContext) {
        const { roomId } = parseOr400(roomOnlySchema, ctx.query);
        ctx.body = { data: await moderation().roomUsers(roomId) };
      },

      async online(ctx: AdminContext) {
        ctx.body = { data: await moderation().siteUsers() };
      },

      async banned(ctx: AdminContext) {
        ctx.body = { data: await moderation().banned() };
      },

      async kick(ctx: AdminContext) {
        const { userId } = parseOr400(userTargetSchema, ctx.request.body);
        await moderation().kick(actorOf(ctx), userId);
        ctx.body = { data: { userId } };
      },

      async ban(ctx: AdminContext) {
        const { banIp, ...who } = parseOr400(banSchema, ctx.request.body);
        ctx.body = { data: await moderation().ban(actorOf(ctx), who, banIp) };
      },

      async unban(ctx: AdminContext) {
        const { userId } = parseOr400(userTargetSchema, ctx.request.body);
        await moderation().unban(actorOf(ctx), userId);
        ctx.body = { data: { userId } };
      },

      async ipUnban(ctx: AdminContext) {
        const { ip } = parseOr400(ipSchema, ctx.request.body);
        await moderation().unbanIp(actorOf(ctx), ip);
        ctx.body = { data: { ip } };
      },

      async history(ctx: AdminContext) {
        const query = parseOr400(historySchema, ctx.query);
        ctx.body = { data: await moderation().history(query) };
      },

      async transcript(ctx: AdminContext) {
        const { format, ...query } = parseOr400(transcriptSchema, ctx.query);
        const messages = await moderation().transcript(actorOf(ctx), query, format);
        const name = `iflychat-room-${query.roomId}-transcript.${format}`;
        ctx.set('Content-Disposition', `attachment; filename="${name}"`);
        ctx.set('Cache-Control', 'no-store');
        if (format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.body = transcriptCsv(messages);
        } else {
          ctx.type = 'application/json; charset=utf-8';
          ctx.body = JSON.stringify({ roomId: query.roomId, messages }, null, 2);
        }
      },

      async clear(ctx: AdminContext) {
        const { roomId } = parseOr400(roomOnlySchema, ctx.request.body);
        await moderation().clearHistory(actorOf(ctx), roomId);
        ctx.body = { data: { roomId } };
      },

      async accounts(ctx: AdminContext) {
        const { q } = parseOr400(accountSearchSchema, ctx.query);
        ctx.body = { data: await moderation().accounts(q) };
      },

      async log(ctx: AdminContext) {
        const { page, pageSize } = parseOr400(logQuerySchema, ctx.query);
        ctx.body = await moderation().log.page(page, pageSize);
      },
    })
  );
};
