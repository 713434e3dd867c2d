// @ts-check
'use strict';

/**
 * The emulator's users and messages: who is online in which room, kicks, bans, banned IPs and
 * each room's history, answering `room/{id}/users`, `users/list`, `user/{id}/kick|ban|unban`,
 * `users/banned/list`, `ip/{userId}/ban`, `ip/{ip}/unban`, `ips/banned/list`, `threads/get` and
 * `threads/delete` with the shapes of iFlyChat's public REST reference. Tests put users online
 * (`online`) and have them speak (`say`); the user ids are the `user_id`s of `token/generate`.
 *
 * @typedef {object} OnlineUser
 * @property {string} user_id
 * @property {string} user_name
 * @property {string} user_role
 * @property {string} user_status
 * @property {string} user_avatar_url
 * @property {string} user_profile_url
 *
 * @typedef {object} Message
 * @property {number} time          seconds
 * @property {string} from_id
 * @property {string} room_id
 * @property {string} from_name
 * @property {string} room_name
 * @property {string} message
 * @property {string} message_id
 */

function createModerationBlock(/** @type {{ rooms: Map<number, { room_name: string }> }} */ state) {
  /** room id → user id → user. @type {Map<string, Map<string, OnlineUser>>} */
  const online = new Map();
  /** user id → name. @type {Map<string, string>} */
  const banned = new Map();
  /** user id → until (ms). @type {Map<string, number>} */
  const kicked = new Map();
  /** user id → the name the user was last seen with. @type {Map<string, string>} */
  const names = new Map();
  /** user id → the IP the user was last seen from. @type {Map<string, string>} */
  const ips = new Map();
  /** @type {Set<string>} */
  const bannedIps = new Set();
  /** room id → messages, oldest first. @type {Map<string, Message[]>} */
  const messages = new Map();

  const ok = { status: 200, json: { success: true } };
  const text = (/** @type {unknown} */ value) =>
    value === undefined || value === null ? '' : String(value);

  function nameOf(/** @type {string} */ userId) {
    return names.get(userId) ?? banned.get(userId) ?? userId;
  }

  function dropEverywhere(/** @type {string} */ userId) {
    for (const users of online.values()) users.delete(userId);
  }

  /**
   * Puts a user online in a room; false when iFlyChat would not let them in (banned, kicked in
   * the last 15 minutes, or their IP banned).
   * @param {string | number} roomId
   * @param {{ user_id: string, user_name: string, user_role?: string, ip?: string }} user
   */
  function putOnline(roomId, user) {
    const userId = String(user.user_id);
    if (user.ip) ips.set(userId, user.ip);
    names.set(userId, user.user_name);
    const ip = ips.get(userId);
    if (banned.has(userId) || (ip && bannedIps.has(ip))) return false;
    if ((kicked.get(userId) ?? 0) > Date.now()) return false;
    const room = String(roomId);
    if (!online.has(room)) online.set(room, new Map());
    online.get(room)?.set(userId, {
      user_id: userId,
      user_name: user.user_name,
      user_role: user.user_role ?? 'participant',
      user_status: 'online',
      user_avatar_url: '',
      user_profile_url: '',
    });
    return true;
  }

  /**
   * A message from a user into a room.
   * @param {string | number} roomId @param {string} userId @param {string} body
   * @param {number} [timeSeconds]
   */
  function say(roomId, userId, body, timeSeconds) {
    const room = String(roomId);
    const time = timeSeconds ?? Math.floor(Date.now() / 1000);
    const list = messages.get(room) ?? [];
    messages.set(room, list);
    /** @type {Message} */
    const entry = {
      time,
      from_id: String(userId),
      room_id: room,
      from_name: nameOf(String(userId)),
      room_name: state.rooms.get(Number(room))?.room_name ?? '',
      message: body,
      message_id: `m_${userId}_c-${room}_${time * 1000 + list.length}`,
    };
    list.push(entry);
    return entry;
  }

  /** @param {Record<string, unknown>} body */
  function history(body) {
    const roomIds = Array.isArray(body.room_id) ? body.room_id.map(text) : [text(body.room_id)];
    if (!roomIds[0]) return { status: 400, json: { error: 'room_id is required' } };
    const start = body.start_timestamp === undefined ? -Infinity : Number(body.start_timestamp);
    const end = body.end_timestamp === undefined ? Infinity : Number(body.end_timestamp);
    const limit = body.limit === undefined ? Infinity : Number(body.limit);
    const found = roomIds
      .flatMap((room) => messages.get(room) ?? [])
      .filter((entry) => entry.time >= start && entry.time <= end)
      .sort((a, b) => a.time - b.time);
    return { status: 200, json: Number.isFinite(limit) ? found.slice(-limit) : found };
  }

  /**
   * @param {string} op
   * @param {string | undefined} param   the room id, user id or IP of the path
   * @param {Record<string, unknown>} body
   * @returns {{ status: number, json: unknown }}
   */
  function perform(op, param, body) {
    const target = decodeURIComponent(param ?? '');
    switch (op) {
      case 'room-users': {
        const users = [...(online.get(target)?.values() ?? [])];
        return { status: 200, json: { users, length: users.length } };
      }
      case 'site-users': {
        const users = new Map();
        for (const room of online.values())
          for (const user of room.values()) users.set(user.user_id, user);
        return { status: 200, json: { users: [...users.values()], length: users.size } };
      }
      case 'kick':
        kicked.set(target, Date.now() + 15 * 60 * 1000);
        dropEverywhere(target);
        return ok;
      case 'ban':
        banned.set(target, nameOf(target));
        dropEverywhere(target);
        return ok;
      case 'unban':
        banned.delete(target);
        return ok;
      case 'banned':
        return { status: 200, json: [...banned].map(([id, name]) => ({ id, name })) };
      case 'ip-ban': {
        const ip = ips.get(target);
        if (!ip) return { status: 404, json: { error: 'no IP known for this user' } };
        bannedIps.add(ip);
        dropEverywhere(target);
        return ok;
      }
      case 'ip-unban':
        bannedIps.delete(target);
        return ok;
      case 'ips-banned':
        return { status: 200, json: [...bannedIps].map((ip) => ({ ip })) };
      case 'threads-get':
        return history(body);
      default: {
        const room = text(body.room_id);
        if (!room) return { status: 400, json: { error: 'room_id is required' } };
        messages.delete(room);
        return ok;
      }
    }
  }

  function reset() {
    online.clear();
    banned.clear();
    kicked.clear();
    ips.clear();
    names.clear();
    bannedIps.clear();
    messages.clear();
  }

  return {
    perform,
    putOnline,
    say,
    reset,
    /** What the moderation state holds, for assertions. */
    snapshot() {
      return {
        online: Object.fromEntries([...online].map(([room, users]) => [room, [...users.keys()]])),
        banned: [...banned.keys()],
        kicked: [...kicked.keys()],
        bannedIps: [...bannedIps],
        messages: Object.fromEntries([...messages].map(([room, list]) => [room, list.length])),
      };
    },
  };
}

module.exports = { createModerationBlock };
