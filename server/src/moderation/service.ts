/**
 * Moderation (the `moderation` service): who is online, kick, ban and unban, banned IPs, a
 * room's history and clearing it, each call taking its turn of the call budget shared with chat
 * tokens (iflychat/budget.ts), each action written to the moderation log whatever its outcome.
 * iFlyChat's answers are never relayed: a failure is described in the plugin's words.
 *
 * A site user's iFlyChat id is the `user_id` of their chat tokens: the `userIdPrefix` setting
 * followed by their Users & Permissions id (tokens/params.ts).
 */
import type { Core } from '@strapi/strapi';

import type {
  AccountView,
  BannedUserView,
  ChatMessageView,
  ChatUserView,
  HistoryQuery,
  ModerationAction,
} from '../../../contracts/moderation';
import { BudgetExhaustedError } from '../iflychat/budget';
import { IflychatApiError } from '../iflychat/errors';
import type { IflychatClient } from '../iflychat/client';
import { moderationCalls, type ChatUser } from '../iflychat/moderation';
import { remoteFailure } from '../rooms-page/service';
import { USER_UID } from '../tokens/lifecycle';
import { getService } from '../utils/get-service';
import { NotFoundError } from '../utils/errors';
import { createModerationLog, type Actor } from './log';

/** How long a moderation call waits for its turn of the call budget. */
const BUDGET_WAIT_MS = 10_000;
const MAX_ACCOUNTS = 20;

/** A moderation call that could not be made or that iFlyChat refused: 502 or 503. */
export class ModerationFailure extends Error {
  constructor(
    message: string,
    readonly status: 502 | 503,
    readonly retryAfter?: number
  ) {
    super(message);
    this.name = 'ModerationFailure';
  }
}

interface Target {
  action: ModerationAction;
  target: string;
  roomId?: string;
}

export function createModerationService({ strapi }: { strapi: Core.Strapi }) {
  const log = createModerationLog(strapi);
  const settings = () => getService(strapi, 'settings');

  /** Runs one iFlyChat call in its turn of the budget; failures become {@link ModerationFailure}. */
  async function remote<T>(what: string, call: (client: IflychatClient) => Promise<T>) {
    const client = await settings().getClient();
    if (!client) throw new ModerationFailure('No iFlyChat API key is set', 503);
    try {
      await getService(strapi, 'budget').token(BUDGET_WAIT_MS);
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        throw new ModerationFailure(
          'Too many calls to iFlyChat at the moment: try again shortly',
          503,
          error.retryAfterSeconds
        );
      }
      throw error;
    }
    try {
      return await call(client);
    } catch (error) {
      const reason = `cannot ${what}: ${failureOf(error)}`;
      strapi.log.warn(`[iflychat] moderation: ${reason}`);
      throw new ModerationFailure(reason, 502);
    }
  }

  /** Runs an action and writes its log row, done or failed. */
  async function act<T>(actor: Actor, target: Target, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      await log.record({ ...target, actor, result: 'done' });
      return result;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await log.record({ ...target, actor, result: 'failed', reason });
      throw error;
    }
  }

  /** The account behind a chat user id, when it is one of this site's ids. */
  async function accountOf(): Promise<(userId: string) => number | null> {
    const prefix = (await settings().get()).userIdPrefix;
    return (userId) => {
      if (!userId.startsWith(prefix)) return null;
      const rest = userId.slice(prefix.length);
      return /^[1-9]\d{0,15}$/.test(rest) ? Number(rest) : null;
    };
  }

  async function users(list: ChatUser[]): Promise<ChatUserView[]> {
    const account = await accountOf();
    return list.map((user) => ({
      userId: user.userId,
      name: user.name,
      role: user.role,
      status: user.status,
      accountId: account(user.userId),
    }));
  }

  async function chatIdOf(accountId: number): Promise<{ userId: string; username: string }> {
    const found = (await strapi.db
      .query(USER_UID)
      .findOne({ where: { id: accountId }, select: ['id', 'username'] })) as {
      id: number;
      username?: string;
    } | null;
    if (!found) throw new NotFoundError(`There is no site user ${accountId}`);
    const prefix = (await settings().get()).userIdPrefix;
    return { userId: `${prefix}${found.id}`, username: found.username ?? '' };
  }

  return {
    log,

    roomUsers: async (roomId: string) =>
      users(await remote('list who is in the room', (c) => moderationCalls.roomUsers(c, roomId))),

    siteUsers: async () =>
      users(await remote('list who is online', (c) => moderationCalls.siteUsers(c))),

    async banned(): Promise<{ users: BannedUserView[]; ips: string[] }> {
      const [list, ips] = await Promise.all([
        remote('list banned users', (c) => moderationCalls.bannedUsers(c)),
        remote('list banned IPs', (c) => moderationCalls.bannedIps(c)),
      ]);
      const account = await accountOf();
      return {
        users: list.map((user) => ({ ...user, accountId: account(user.userId) })),
        ips,
      };
    },

    kick: (actor: Actor, userId: string) =>
      act(actor, { action: 'kick', target: userId }, () =>
        remote('kick the user', (c) => moderationCalls.kick(c, userId))
      ),

    /** Bans a chat user (and their IP with `banIp`); an account is mapped to its chat id. */
    async ban(actor: Actor, who: { userId?: string; accountId?: number }, banIp: boolean) {
      const userId = who.userId ?? (await chatIdOf(who.accountId ?? 0)).userId;
      await act(actor, { action: 'ban', target: userId }, () =>
        remote('ban the user', (c) => moderationCalls.ban(c, userId))
      );
      if (banIp) {
        await act(actor, { action: 'ban-ip', target: userId }, () =>
          remote("ban the user's IP", (c) => moderationCalls.banIp(c, userId))
        );
      }
      return { userId };
    },

    unban: (actor: Actor, userId: string) =>
      act(actor, { action: 'unban', target: userId }, () =>
        remote('unban the user', (c) => moderationCalls.unban(c, userId))
      ),

    unbanIp: (actor: Actor, ip: string) =>
      act(actor, { action: 'ip-unban', target: ip }, () =>
        remote('unban the IP', (c) => moderationCalls.unbanIp(c, ip))
      ),

    async history(query: HistoryQuery): Promise<ChatMessageView[]> {
      const list = await remote('read the history', (c) =>
        moderationCalls.history(c, {
          roomId: query.roomId,
          start: query.from,
          end: query.to,
          limit: query.limit,
        })
      );
      return list
        .sort((a, b) => a.time - b.time)
        .slice(-query.limit)
        .map((entry) => ({
          time: new Date(entry.time * 1000).toISOString(),
          fromId: entry.fromId,
          fromName: entry.fromName,
          message: entry.message,
          messageId: entry.messageId,
        }));
    },

    /** The history for a transcript file, recorded in the log with its range. */
    async transcript(actor: Actor, query: HistoryQuery, format: string) {
      const range = `${format}, ${stamp(query.from) ?? 'start'} to ${stamp(query.to) ?? 'now'}`;
      const target = { action: 'export-transcript' as const, target: query.roomId };
      try {
        const messages = await this.history(query);
        await log.record({
          ...target,
          roomId: query.roomId,
          actor,
          result: 'done',
          reason: `${range}, ${messages.length} messages`,
        });
        return messages;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await log.record({ ...target, roomId: query.roomId, actor, result: 'failed', reason });
        throw error;
      }
    },

    clearHistory: (actor: Actor, roomId: string) =>
      act(actor, { action: 'clear-history', target: roomId, roomId }, () =>
        remote('clear the history', (c) => moderationCalls.clearHistory(c, roomId))
      ),

    /** Site users whose username or e-mail contains `q`, with their iFlyChat ids. */
    async accounts(q: string): Promise<AccountView[]> {
      const where = q
        ? { $or: [{ username: { $containsi: q } }, { email: { $containsi: q } }] }
        : {};
      const rows = (await strapi.db.query(USER_UID).findMany({
        where,
        select: ['id', 'username', 'email', 'blocked'],
        orderBy: { id: 'asc' },
        limit: MAX_ACCOUNTS,
      })) as Array<{ id: number; username?: string; email?: string; blocked?: boolean }>;
      const prefix = (await settings().get()).userIdPrefix;
      return rows.map((row) => ({
        id: row.id,
        username: row.username ?? '',
        email: row.email ?? '',
        blocked: row.blocked === true,
        userId: `${prefix}${row.id}`,
      }));
    },
  };
}

/** A failed call in the plugin's words: an unreadable answer is told apart from an error. */
function failureOf(error: unknown): string {
  if (error instanceof IflychatApiError && error.invalidAnswer && error.status < 300) {
    return 'iFlyChat sent an answer the plugin cannot read';
  }
  return remoteFailure(error);
}

function stamp(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
}

export type ModerationService = ReturnType<typeof createModerationService>;
