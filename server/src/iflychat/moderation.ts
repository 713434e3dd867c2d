/**
 * iFlyChat's moderation calls: who is online (in a room, on the site), kick, ban and unban a
 * user, ban a user's IP, unban an IP, the banned lists, a room's history and clearing it. Each
 * goes through the client's request path (base URL, deadline, size cap, redaction); every answer
 * is read with zod and anything that does not fit is an invalid answer whose body is never kept.
 */
import { z } from 'zod';

import { callPath, type CallId } from './catalogue';
import type { IflychatClient } from './client';
import { answerWithout } from './errors';

type Requester = Pick<IflychatClient, 'request' | 'apiVersion'>;

export interface ChatUser {
  userId: string;
  name: string;
  role: string;
  status: string;
  avatarUrl: string;
  profileUrl: string;
}

export interface BannedUser {
  userId: string;
  name: string;
}

export interface ChatMessage {
  /** Seconds since the epoch. */
  time: number;
  fromId: string;
  fromName: string;
  roomId: string;
  message: string;
  messageId: string;
}

export interface HistoryQuery {
  roomId: string;
  /** Seconds since the epoch. */
  start?: number;
  end?: number;
  limit?: number;
}

/** The largest list answer read (history, banned lists, online users). */
export const MAX_MODERATION_RESPONSE_BYTES = 8 * 1024 * 1024;
/** The longest text kept of a remote field. */
const MAX_TEXT = 4_000;

const id = z.union([z.string().min(1).max(255), z.number().int().nonnegative()]).transform(String);
const text = z
  .union([z.string(), z.number(), z.null(), z.undefined()])
  .transform((value) => (value === null || value === undefined ? '' : String(value)))
  .transform((value) => value.slice(0, MAX_TEXT));
const seconds = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*$/)
    .transform(Number),
]);

const chatUser = z.looseObject({
  user_id: id,
  user_name: text,
  user_role: text.optional(),
  user_status: text.optional(),
  user_avatar_url: text.optional(),
  user_profile_url: text.optional(),
});
const usersAnswer = z.union([
  z.looseObject({ users: z.array(z.unknown()).max(100_000) }).transform((a) => a.users),
  z.array(z.unknown()).max(100_000),
]);
const bannedUser = z.looseObject({ id, name: text });
const bannedIp = z.looseObject({ ip: z.string().min(1).max(64) });
const message = z.looseObject({
  time: seconds,
  from_id: id,
  from_name: text,
  room_id: id.optional(),
  message: text,
  message_id: text,
});
const success = z.looseObject({ success: z.union([z.literal(true), z.literal('true')]) });

/** The items of a list answer that fit `item`; the others (no id...) are skipped. */
function items<T>(list: unknown[], item: z.ZodType<T>): T[] {
  return list.flatMap((entry) => {
    const read = item.safeParse(entry);
    return read.success ? [read.data] : [];
  });
}

async function call(
  client: Requester,
  callId: CallId,
  params: Record<string, string>,
  body: Record<string, string> = {}
): Promise<{ path: string; answer: unknown }> {
  const path = callPath(callId, client.apiVersion, params);
  const answer = await client.request(path, body, {
    maxResponseBytes: MAX_MODERATION_RESPONSE_BYTES,
  });
  return { path, answer };
}

async function action(client: Requester, callId: CallId, params: Record<string, string>) {
  const { path, answer } = await call(client, callId, params);
  if (!success.safeParse(answer).success) throw answerWithout(path, '"success": true');
}

async function userList(client: Requester, callId: CallId, params: Record<string, string>) {
  const { path, answer } = await call(client, callId, params);
  const read = usersAnswer.safeParse(answer);
  if (!read.success) throw answerWithout(path, 'a list of users');
  return items(read.data, chatUser).map((user): ChatUser => ({
    userId: user.user_id,
    name: user.user_name,
    role: user.user_role ?? '',
    status: user.user_status ?? '',
    avatarUrl: user.user_avatar_url ?? '',
    profileUrl: user.user_profile_url ?? '',
  }));
}

async function bareList<T>(client: Requester, callId: CallId, item: z.ZodType<T>, what: string) {
  const { path, answer } = await call(client, callId, {});
  const read = z.array(z.unknown()).max(100_000).safeParse(answer);
  if (!read.success) throw answerWithout(path, what);
  return items(read.data, item);
}

export const moderationCalls = {
  /** `room/{roomId}/users`. */
  roomUsers: (client: Requester, roomId: string) => userList(client, 'room.users', { roomId }),
  /** `users/list` (Enterprise plan). */
  siteUsers: (client: Requester) => userList(client, 'users.list', {}),
  kick: (client: Requester, userId: string) => action(client, 'user.kick', { userId }),
  ban: (client: Requester, userId: string) => action(client, 'user.ban', { userId }),
  unban: (client: Requester, userId: string) => action(client, 'user.unban', { userId }),
  banIp: (client: Requester, userId: string) => action(client, 'ip.ban', { userId }),
  unbanIp: (client: Requester, ip: string) => action(client, 'ip.unban', { ip }),

  /** `users/banned/list`: a bare array of `{id, name}`. */
  async bannedUsers(client: Requester): Promise<BannedUser[]> {
    const list = await bareList(client, 'users.banned', bannedUser, 'a list of banned users');
    return list.map((user) => ({ userId: user.id, name: user.name }));
  },

  /** `ips/banned/list`: a bare array of `{ip}`. */
  async bannedIps(client: Requester): Promise<string[]> {
    const list = await bareList(client, 'ips.banned', bannedIp, 'a list of banned IPs');
    return list.map((entry) => entry.ip);
  },

  /** `threads/get` for one room, timestamps in seconds. */
  async history(client: Requester, query: HistoryQuery): Promise<ChatMessage[]> {
    const body: Record<string, string> = { room_id: query.roomId };
    if (query.start !== undefined) body.start_timestamp = String(query.start);
    if (query.end !== undefined) body.end_timestamp = String(query.end);
    if (query.limit !== undefined) body.limit = String(query.limit);
    const { path, answer } = await call(client, 'threads.get', {}, body);
    const read = z.array(z.unknown()).max(100_000).safeParse(answer);
    if (!read.success) throw answerWithout(path, 'a list of messages');
    return items(read.data, message).map((entry) => ({
      time: entry.time,
      fromId: entry.from_id,
      fromName: entry.from_name,
      roomId: entry.room_id ?? query.roomId,
      message: entry.message,
      messageId: entry.message_id,
    }));
  },

  /** `threads/delete` with `room_id`: the room's whole history. */
  async clearHistory(client: Requester, roomId: string): Promise<void> {
    const { path, answer } = await call(client, 'threads.delete', {}, { room_id: roomId });
    if (!success.safeParse(answer).success) throw answerWithout(path, '"success": true');
  },
};
