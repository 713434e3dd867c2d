// @ts-check
'use strict';

/**
 * The emulator's user tokens: `token/generate` and `token/{token}/delete` (API 1.1; a JSON body,
 * or a form body with `user_roles[<id>]=<name>` as the older integrations send it). Issued tokens
 * are kept, so the widget stand-in can show who a token is for and which rooms it opens.
 */
const crypto = require('node:crypto');

/**
 * @typedef {object} TokenSettings
 * @property {number} [expiresIn]      seconds answered in expires_in (default 3600)
 * @property {boolean} [spacedExpiresKey] answer `"expires_in "` (with a space), as iFlyChat's sample does
 * @property {boolean} [guests]        the App Dashboard's switch (Settings → Login) that lets visitors
 *                                     without a token in as guests: rooms for all users (`0`) only
 *
 * @typedef {object} IssuedToken
 * @property {string} key
 * @property {string} app_id
 * @property {string} user_id
 * @property {string} user_name
 * @property {string} chat_role
 * @property {Record<string, string>} user_roles
 * @property {string} [user_avatar_url]
 * @property {string} [user_profile_url]
 * @property {number} expiresAt
 */

/** @param {{ rooms: Map<number, { room_role: string }> }} state */
function createTokenBlock(state) {
  /** @type {Map<string, IssuedToken>} */
  const issued = new Map();
  /** @type {TokenSettings} */
  let settings = {};

  const text = (/** @type {unknown} */ value) =>
    value === undefined || value === null ? '' : String(value);

  /** @param {Record<string, unknown>} body @returns {Record<string, string>} */
  function rolesOf(body) {
    /** @type {Record<string, string>} */
    const roles = {};
    const nested = body.user_roles;
    if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
      for (const [id, name] of Object.entries(nested)) roles[id] = text(name);
    }
    for (const [key, value] of Object.entries(body)) {
      const match = /^user_roles\[(.+)\]$/.exec(key);
      if (match) roles[match[1]] = text(value);
    }
    return roles;
  }

  /**
   * @param {string} op
   * @param {string | undefined} tokenParam
   * @param {Record<string, unknown>} body
   * @returns {{ status: number, json: unknown }}
   */
  function perform(op, tokenParam, body) {
    if (op === 'token-delete') {
      const key = decodeURIComponent(tokenParam ?? '');
      if (!issued.delete(key)) return { status: 404, json: { error: 'no such token' } };
      return { status: 200, json: { success: true } };
    }
    for (const field of ['app_id', 'user_id', 'user_name']) {
      if (!text(body[field])) return { status: 400, json: { error: `${field} is required` } };
    }
    const expiresIn = settings.expiresIn ?? 3600;
    /** @type {IssuedToken} */
    const token = {
      key: crypto.randomBytes(16).toString('hex'),
      app_id: text(body.app_id),
      user_id: text(body.user_id),
      user_name: text(body.user_name),
      chat_role: text(body.chat_role) || 'participant',
      user_roles: rolesOf(body),
      ...(body.user_avatar_url ? { user_avatar_url: text(body.user_avatar_url) } : {}),
      ...(body.user_profile_url ? { user_profile_url: text(body.user_profile_url) } : {}),
      expiresAt: Date.now() + expiresIn * 1000,
    };
    issued.set(token.key, token);
    const expiresKey = settings.spacedExpiresKey ? 'expires_in ' : 'expires_in';
    return { status: 200, json: { key: token.key, [expiresKey]: String(expiresIn) } };
  }

  /**
   * What the widget stand-in shows: who the token is for, and whether it opens a room (the room's
   * role is `0`, or one of the keys of the token's user_roles).
   * @param {string} key @param {number | undefined} roomId
   */
  function describe(key, roomId) {
    const token = issued.get(key);
    const valid = Boolean(token && token.expiresAt > Date.now());
    const room = roomId === undefined ? undefined : state.rooms.get(roomId);
    if (!key && settings.guests) {
      // A guest has no roles of the site: only rooms for all users open.
      return {
        valid: false,
        user: { id: '0-guest', name: 'Guest', chatRole: 'participant' },
        roles: {},
        room: room ? { id: roomId, role: room.room_role } : null,
        allowed: Boolean(room && room.room_role === '0'),
      };
    }
    const roles = token ? token.user_roles : {};
    const allowed = Boolean(
      valid && room && (room.room_role === '0' || Object.hasOwn(roles, room.room_role))
    );
    return {
      valid,
      user: token ? { id: token.user_id, name: token.user_name, chatRole: token.chat_role } : null,
      roles,
      room: room ? { id: roomId, role: room.room_role } : null,
      allowed,
    };
  }

  return {
    perform,
    describe,
    /** @param {TokenSettings} next */
    configure(next) {
      settings = { ...settings, ...next };
    },
    list() {
      return [...issued.values()];
    },
    reset() {
      issued.clear();
      settings = {};
    },
  };
}

module.exports = { createTokenBlock };
