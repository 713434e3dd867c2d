/**
 * The admin API of moderation: who is online, kick, ban and unban, banned IPs, a room's history,
 * its transcript and clearing it, and the log of every moderation action. Every route needs
 * `plugin::iflychat.chat.moderate`.
 *
 * Routes (all under `/iflychat/moderation`):
 * - `GET  /room-users?roomId=`                   → `{ data: ChatUserView[] }`
 * - `GET  /online`                               → `{ data: ChatUserView[] }` (users/list, Enterprise plan)
 * - `GET  /banned`                               → `{ data: { users: BannedUserView[], ips: string[] } }`
 * - `POST /kick` `{ userId }`                    → `{ data: { userId } }`
 * - `POST /ban` `{ userId } | { accountId }`     → `{ data: { userId } }` (`banIp: true` bans their IP too)
 * - `POST /unban` `{ userId }`                   → `{ data: { userId } }`
 * - `POST /ip-unban` `{ ip }`                    → `{ data: { ip } }`
 * - `GET  /history?roomId=&from=&to=&limit=`     → `{ data: ChatMessageView[] }` (newest last)
 * - `GET  /transcript?roomId=&from=&to=&format=` → a JSON or CSV file (recorded in the log)
 * - `POST /clear` `{ roomId }`                   → `{ data: { roomId } }`
 * - `GET  /accounts?q=`                          → `{ data: AccountView[] }` (site users to ban)
 * - `GET  /log?page=&pageSize=`                  → `{ data: ModerationLogEntry[], meta }`
 */
import { z } from 'zod';

import { whole } from './rooms-page';
import { linkRoomSchema } from './rooms';

export const MODERATE_PERMISSION = 'plugin::iflychat.chat.moderate';

/** The most messages one history answer or transcript holds. */
export const MAX_HISTORY = 10_000;
export const MAX_LOG_PAGE_SIZE = 100;

const roomId = linkRoomSchema.shape.roomId;

/** An iFlyChat user id: what the plugin sends as `user_id` (prefix + id), or a guest's `0-…`. */
export const chatUserIdSchema = z
  .string({ error: 'must be an iFlyChat user id such as strapi-12' })
  .trim()
  .regex(/^[\w.:@-]{1,255}$/, 'must be an iFlyChat user id such as strapi-12');

/** A moment as an ISO date or date-time, turned into seconds since the epoch. */
const moment = z
  .string()
  .trim()
  .max(40, 'must be a date such as 2026-01-31 or 2026-01-31T12:00:00Z')
  .optional()
  .transform((value, context) => {
    if (!value) return undefined;
    const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)
      ? Date.parse(value)
      : NaN;
    if (Number.isNaN(ms)) {
      context.addIssue({
        code: 'custom',
        message: 'must be a date such as 2026-01-31 or 2026-01-31T12:00:00Z',
      });
      return z.NEVER;
    }
    return Math.floor(ms / 1000);
  });

export const roomOnlySchema = z.object({ roomId });

export const userTargetSchema = z.object({ userId: chatUserIdSchema });

/** A ban: an iFlyChat user id, or a Users & Permissions account (its chat id is worked out). */
export const banSchema = z
  .object({
    userId: chatUserIdSchema.optional(),
    accountId: z
      .number({ error: 'must be the id of a site user' })
      .int('must be the id of a site user')
      .positive('must be the id of a site user')
      .optional(),
    banIp: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .superRefine((value, context) => {
    if ((value.userId === undefined) === (value.accountId === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'give either userId or accountId',
      });
    }
  });

/** An IPv4 address in dotted decimal, or an IPv6 address (checked by the URL parser). */
export function isIpAddress(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255 && !/^0\d/.test(part));
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(value) || !value.includes(':')) return false;
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export const ipSchema = z.object({
  ip: z
    .string({ error: 'must be an IPv4 or IPv6 address' })
    .trim()
    .max(45, 'must be an IPv4 or IPv6 address')
    .refine((value) => isIpAddress(value), 'must be an IPv4 or IPv6 address'),
});

export const historySchema = z
  .object({
    roomId,
    from: moment,
    to: moment,
    limit: whole(1, MAX_HISTORY, 50),
  })
  .superRefine((value, context) => {
    if (value.from !== undefined && value.to !== undefined && value.from > value.to) {
      context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });
export type HistoryQuery = z.output<typeof historySchema>;

export const transcriptSchema = historySchema.safeExtend({
  format: z.enum(['json', 'csv'], { error: 'must be json or csv' }).default('json'),
  limit: whole(1, MAX_HISTORY, MAX_HISTORY),
});

export const accountSearchSchema = z.object({
  q: z.string().trim().max(100, 'must be at most 100 characters').default(''),
});

export const logQuerySchema = z.object({
  page: whole(1, 100_000, 1),
  pageSize: whole(1, MAX_LOG_PAGE_SIZE, 25),
});

export interface ChatUserView {
  userId: string;
  name: string;
  role: string;
  status: string;
  /** The Users & Permissions account behind the chat id, when the id is this site's. */
  accountId: number | null;
}

export interface BannedUserView {
  userId: string;
  name: string;
  accountId: number | null;
}

export interface ChatMessageView {
  /** ISO time. */
  time: string;
  fromId: string;
  fromName: string;
  message: string;
  messageId: string;
}

export interface AccountView {
  id: number;
  username: string;
  email: string;
  blocked: boolean;
  /** The `user_id` the account has in iFlyChat. */
  userId: string;
}

export const MODERATION_ACTIONS = [
  'kick',
  'ban',
  'ban-ip',
  'unban',
  'ip-unban',
  'clear-history',
  'export-transcript',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export interface ModerationLogEntry {
  id: number;
  action: ModerationAction;
  /** A user id, an IP or a room id. */
  target: string;
  roomId: string | null;
  /** The admin who acted; null for the block → ban sync. */
  adminId: number | null;
  adminName: string;
  result: 'done' | 'failed';
  /** Why it failed, in the plugin's words; or what was done (a transcript's range). */
  reason: string | null;
  /** ISO time. */
  at: string;
}

export declare namespace ModerationLog {
  interface Response {
    data: ModerationLogEntry[];
    meta: { pagination: { page: number; pageSize: number; pageCount: number; total: number } };
  }
}
