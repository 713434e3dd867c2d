// @ts-check
'use strict';

/**
 * A local stand-in for the iFlyChat API, for the tests, the benchmarks and the demo.
 *
 * It implements every call of the API table in DESIGN.md for API 1.1 (JSON bodies) and 1.0
 * (form-encoded bodies), checks `api_key` (403 when wrong), records each request, and can be told
 * to be slow or to fail in the ways a real network service fails. It listens on 127.0.0.1 only.
 */
const http = require('node:http');

const { createModerationBlock } = require('./moderation');
const { createTokenBlock } = require('./tokens');
const { serveWidget } = require('./widget');

/**
 * @typedef {'status' | 'hang' | 'reset' | 'non-json' | 'hang-after' | 'reset-after' | 'drip' | 'huge' | 'json'} FaultKind
 * `hang` / `reset` fail before the call is carried out; `hang-after` / `reset-after` carry it out
 * (a room is really created) and then never answer or drop the connection.
 * `drip`, `huge` and `json` are hostile answers (see `hostileAnswer`).
 *
 * @typedef {object} FaultRule
 * @property {FaultKind} kind
 * @property {string} [path]        only requests whose path contains this text
 * @property {number} [status]      for kind 'status' (default 500)
 * @property {string} [body]        answer body for kind 'status' / 'non-json'
 * @property {number} [retryAfter]  seconds, sent as Retry-After (kind 'status')
 * @property {number} [times]       apply to this many matching requests, then drop the rule
 * @property {number} [probability] 0..1, chance to apply to a matching request (default 1)
 * @property {number} [bytes]       for 'drip' / 'huge': how many bytes the answer has
 * @property {number} [intervalMs]  for 'drip': pause between two bytes (default 400)
 * @property {unknown} [json]       for 'json': the (wrongly typed) answer sent with HTTP 200
 *
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path
 * @property {string} contentType
 * @property {Record<string, unknown>} body   parsed JSON or form fields (api_key included)
 * @property {string} userAgent
 * @property {number} at
 * @property {string} outcome
 *
 * @typedef {object} Plan
 * @property {'enterprise' | 'free'} name   `free` refuses the calls that need the Enterprise plan
 * @property {string[]} refuse             more calls (catalogue ids such as `token.generate`) refused
 * @property {boolean} [jsSdk]             the widget defines iFlyChat's JavaScript SDK (`iflychat.startChat`); default true
 *
 * @typedef {object} Room
 * @property {number} room_id
 * @property {string} room_name
 * @property {string} room_role
 * @property {string} room_private
 * @property {string} room_moderate
 */

/** The plugin's list of iFlyChat calls: the emulator answers the paths the client builds. */
const CALLS = require('../../server/src/iflychat/calls.json');

/**
 * A call's paths as one pattern: group 1 is the API version in the path, group 2 the room id or
 * token. (The token calls have one path, under 1.1, for both API versions.)
 * @param {keyof typeof CALLS} id
 */
function route(id) {
  /** @type {Record<string, string>} */
  const paths = CALLS[id].paths;
  const versions = [...new Set(Object.values(paths).map((path) => path.split('/')[2]))];
  const template = paths['1.1'].replace(/^\/api\/1\.1\//, '/api/{version}/');
  const pattern = template
    .split(/(\{\w+\})/)
    .map((part) =>
      part === '{version}'
        ? `(${versions.map((v) => v.replace('.', '\\.')).join('|')})`
        : /^\{\w+\}$/.test(part)
          ? '([^/]+)'
          : part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    )
    .join('');
  return { re: new RegExp(`^${pattern}$`), call: id };
}

const ROUTES = [
  { ...route('room.create'), op: 'create' },
  { ...route('room.edit'), op: 'edit' },
  { ...route('room.delete'), op: 'delete' },
  { ...route('rooms.list'), op: 'list' },
  { ...route('token.generate'), op: 'token' },
  { ...route('token.delete'), op: 'token-delete' },
  { ...route('room.users'), op: 'room-users' },
  { ...route('users.list'), op: 'site-users' },
  { ...route('user.kick'), op: 'kick' },
  { ...route('user.ban'), op: 'ban' },
  { ...route('user.unban'), op: 'unban' },
  { ...route('users.banned'), op: 'banned' },
  { ...route('ip.ban'), op: 'ip-ban' },
  { ...route('ip.unban'), op: 'ip-unban' },
  { ...route('ips.banned'), op: 'ips-banned' },
  { ...route('threads.get'), op: 'threads-get' },
  { ...route('threads.delete'), op: 'threads-delete' },
];

/** The operations of the users and messages block (see moderation.js). */
const MODERATION_OPS = new Set(ROUTES.slice(6).map((r) => r.op));

/**
 * `latencyMs` delays every API call; with `latencyMaxMs` above it, each call waits a random time
 * between the two instead. `rooms` are there from the start (and again after `reset()`), with
 * their own ids; rooms created later get ids after the highest of them.
 * @param {{ apiKey?: string, port?: number, latencyMs?: number, latencyMaxMs?: number, random?: () => number, rooms?: Room[] }} [options]
 */
function createEmulator(options = {}) {
  const state = {
    apiKey: options.apiKey ?? 'emulator-api-key',
    latencyMs: options.latencyMs ?? 0,
    latencyMaxMs: options.latencyMaxMs ?? 0,
    /** @type {FaultRule[]} */
    faults: [],
    /** @type {Map<number, Room>} */
    rooms: new Map((options.rooms ?? []).map((room) => [room.room_id, { ...room }])),
    nextRoomId: firstRoomId(),
    /** @type {RecordedRequest[]} */
    requests: [],
    /** @type {Plan} */
    plan: { name: 'enterprise', refuse: [], jsSdk: true },
    /** What the widget's `iflychat.startChat` was called with, in order. @type {import('./widget').StartedChat[]} */
    startedChats: [],
    /** Calls held until a test releases them: see `hold()`. @type {{ fragment: string, released: Promise<void>, release: () => void }[]} */
    holds: [],
  };
  /** The id the first room created gets: after every seeded room's. */
  function firstRoomId() {
    return Math.max(0, ...(options.rooms ?? []).map((room) => room.room_id)) + 1;
  }
  const tokens = createTokenBlock(state);
  const moderation = createModerationBlock(state);
  const random = options.random ?? Math.random;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();

  /** @param {string} path */
  function takeFault(path) {
    for (let i = 0; i < state.faults.length; i += 1) {
      const rule = state.faults[i];
      if (rule.path && !path.includes(rule.path)) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) state.faults.splice(i, 1);
      }
      return rule;
    }
    return undefined;
  }

  /**
   * @param {string} op
   * @param {string} version
   * @param {string | undefined} roomParam
   * @param {Record<string, unknown>} body
   * @returns {{ status: number, json: unknown }}
   */
  function perform(op, version, roomParam, body) {
    if (body.api_key !== state.apiKey) {
      return { status: 403, json: { error: 'Invalid API key' } };
    }
    const text = (/** @type {unknown} */ value) =>
      value === undefined || value === null ? '' : String(value);
    if (op === 'create') {
      const name = text(body.room_name);
      if (!name) return { status: 400, json: { error: 'room_name is required' } };
      const room = {
        room_id: state.nextRoomId,
        room_name: name,
        room_role: text(body.room_role) || '0',
        room_private: text(body.room_private) || '0',
        room_moderate: text(body.room_moderate) || '0',
      };
      state.nextRoomId += 1;
      state.rooms.set(room.room_id, room);
      return { status: 200, json: { room_id: room.room_id } };
    }
    if (op === 'edit' || op === 'delete') {
      const id = Number(roomParam);
      const room = state.rooms.get(id);
      if (!room) return { status: 404, json: { error: `room ${roomParam} does not exist` } };
      if (op === 'delete') {
        state.rooms.delete(id);
      } else {
        for (const key of ['room_name', 'room_role', 'room_private', 'room_moderate']) {
          if (body[key] !== undefined) /** @type {any} */ (room)[key] = text(body[key]);
        }
      }
      return { status: 200, json: { success: true } };
    }
    if (op === 'list') {
      const rooms = [...state.rooms.values()];
      return { status: 200, json: { rooms, length: rooms.length } };
    }
    if (MODERATION_OPS.has(op)) return moderation.perform(op, roomParam, body);
    // token/generate and token/{token}/delete (1.1 only): see tokens.js
    return tokens.perform(op, roomParam, body);
  }

  /**
   * The account's plan: iFlyChat answers a call the plan does not include with HTTP 403, as it
   * answers a wrong key. `free` refuses the calls the catalogue marks `enterprise`; `refuse`
   * names more calls (catalogue ids) to refuse.
   * @param {keyof typeof CALLS} call @param {Record<string, unknown>} body
   * @returns {{ status: number, json: unknown } | undefined}
   */
  function refusedByPlan(call, body) {
    if (body.api_key !== state.apiKey) return undefined;
    const gated = state.plan.name === 'free' && CALLS[call].plan === 'enterprise';
    if (!gated && !state.plan.refuse.includes(call)) return undefined;
    return { status: 403, json: { error: 'This feature is not available in your plan' } };
  }

  /**
   * @param {http.IncomingMessage} req
   * @returns {Promise<string>}
   */
  function readBody(req) {
    return new Promise((resolve, reject) => {
      /** @type {Buffer[]} */
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  /**
   * @param {string} raw
   * @param {string} contentType
   * @returns {Record<string, unknown> | null}
   */
  function parseBody(raw, contentType) {
    if (contentType.includes('application/json')) {
      try {
        const parsed = JSON.parse(raw || '{}');
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
      } catch {
        return null;
      }
    }
    if (contentType.includes('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(raw));
    }
    return null;
  }

  /** @param {http.ServerResponse} res @param {number} status @param {unknown} json */
  function sendJson(res, status, json, headers = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(json));
  }

  function escapeHtml(/** @type {string} */ value) {
    return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function renderRooms() {
    const rows = [...state.rooms.values()]
      .map(
        (room) =>
          `<tr><td>${room.room_id}</td><td>${escapeHtml(room.room_name)}</td><td>${escapeHtml(room.room_role)}</td><td>${room.room_private === '1' ? 'yes' : 'no'}</td><td>${room.room_moderate === '1' ? 'yes' : 'no'}</td></tr>`
      )
      .join('');
    return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>iFlyChat emulator</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#32324d}table{border-collapse:collapse}td,th{border:1px solid #dcdce4;padding:.4rem .8rem;text-align:left}th{background:#f6f6f9}</style></head>
<body><h1>iFlyChat emulator</h1><p>${state.rooms.size} room(s), ${state.requests.length} request(s) received. This page refreshes every 3 seconds.</p>
<table><thead><tr><th>room_id</th><th>room_name</th><th>room_role</th><th>private</th><th>moderate</th></tr></thead><tbody>${rows || '<tr><td colspan="5">No room yet: publish a Community in the Strapi admin.</td></tr>'}</tbody></table></body></html>`;
  }

  /** Control API, used by tests in other processes and by the demo. */
  async function control(
    /** @type {http.IncomingMessage} */ req,
    /** @type {http.ServerResponse} */ res,
    /** @type {string} */ path
  ) {
    if (req.method === 'GET' && path === '/__control/state') {
      return sendJson(res, 200, {
        rooms: [...state.rooms.values()],
        requests: state.requests,
        faults: state.faults,
        latencyMs: state.latencyMs,
        latencyMaxMs: state.latencyMaxMs,
        tokens: tokens.list(),
        moderation: moderation.snapshot(),
      });
    }
    if (req.method === 'POST' && path === '/__control/configure') {
      const body = JSON.parse((await readBody(req)) || '{}');
      configure(body);
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__control/online') {
      const body = JSON.parse((await readBody(req)) || '{}');
      return sendJson(res, 200, { ok: moderation.putOnline(body.roomId, body.user) });
    }
    if (req.method === 'POST' && path === '/__control/say') {
      const body = JSON.parse((await readBody(req)) || '{}');
      return sendJson(res, 200, moderation.say(body.roomId, body.userId, body.message, body.time));
    }
    if (req.method === 'POST' && path === '/__control/reset') {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: 'unknown control call' });
  }

  /**
   * Hostile answers, for the tests of the client's limits:
   * - `drip`: HTTP 200, then one byte every `intervalMs` (default 400) up to `bytes` (default
   *   100), so that no single pause is long but the whole answer takes very long;
   * - `huge`: HTTP 200 and a JSON body of `bytes` bytes, streamed as fast as the client reads;
   * - `json`: HTTP 200 with `json` as the answer (a room_id that is an object, rooms that are a
   *   string...).
   * Returns false for other faults.
   * @param {FaultRule} fault @param {http.IncomingMessage} req @param {http.ServerResponse} res
   */
  function hostileAnswer(fault, req, res) {
    if (fault.kind === 'json') {
      sendJson(res, 200, fault.json ?? null);
      return true;
    }
    if (fault.kind === 'drip') {
      const total = fault.bytes ?? 100;
      const body = `{"room_id":1,"pad":"${'x'.repeat(Math.max(0, total - 22))}"}`.slice(0, total);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length || res.destroyed) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body[sent]);
        sent += 1;
      }, fault.intervalMs ?? 400);
      req.socket.once('close', () => clearInterval(timer));
      return true;
    }
    if (fault.kind === 'huge') {
      const total = fault.bytes ?? 300 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"pad":"');
      let sent = 0;
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        if (!res.destroyed) res.end('"}');
        return undefined;
      };
      pump();
      return true;
    }
    return false;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    try {
      if (path.startsWith('/__control/')) return await control(req, res, path);
      if (await serveWidget(req, res, url, { state, tokens })) return undefined;
      if (req.method === 'GET' && path === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end(renderRooms());
      }
      const route = ROUTES.map((r) => ({ ...r, match: path.match(r.re) })).find((r) => r.match);
      const raw = await readBody(req);
      const contentType = String(req.headers['content-type'] ?? '');
      const body = parseBody(raw, contentType);
      /** @type {RecordedRequest} */
      const record = {
        method: req.method ?? '',
        path,
        contentType,
        body: body ?? { raw },
        userAgent: String(req.headers['user-agent'] ?? ''),
        at: Date.now(),
        outcome: '',
      };
      state.requests.push(record);

      if (!route || !route.match || req.method !== 'POST') {
        record.outcome = '404';
        return sendJson(res, 404, { error: `no such API call: ${req.method} ${path}` });
      }
      const version = route.match[1];
      const expected = version === '1.0' ? 'application/x-www-form-urlencoded' : 'application/json';
      // Older integrations post tokens form-encoded to the 1.1 path.
      const formToken = route.op.startsWith('token') && contentType.includes('urlencoded');
      if (!body || (!contentType.includes(expected) && !formToken)) {
        record.outcome = '400';
        return sendJson(res, 400, { error: `API ${version} expects a ${expected} body` });
      }

      const latency =
        state.latencyMaxMs > state.latencyMs
          ? state.latencyMs + random() * (state.latencyMaxMs - state.latencyMs)
          : state.latencyMs;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const held = state.holds.find((hold) => path.includes(hold.fragment));
      if (held) await held.released;
      const fault = takeFault(path);
      if (fault && hostileAnswer(fault, req, res)) {
        record.outcome = fault.kind;
        return;
      }
      if (fault && (fault.kind === 'hang' || fault.kind === 'reset')) {
        record.outcome = fault.kind;
        if (fault.kind === 'reset') req.socket.destroy();
        return; // hang: never answer; the client times out and the socket is closed on stop()
      }
      if (fault && fault.kind === 'status') {
        record.outcome = `fault ${fault.status ?? 500}`;
        const headers =
          fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
        res.writeHead(fault.status ?? 500, { 'Content-Type': 'text/plain', ...headers });
        return res.end(fault.body ?? 'Injected failure');
      }
      const result =
        refusedByPlan(route.call, body) ?? perform(route.op, version, route.match[2], body);
      if (fault) {
        record.outcome = `${fault.kind} (after ${result.status})`;
        if (fault.kind === 'reset-after') return req.socket.destroy();
        if (fault.kind === 'hang-after') return;
        res.writeHead(200, { 'Content-Type': 'text/html' });
        return res.end(fault.body ?? '<html><body>502 Bad Gateway</body></html>');
      }
      record.outcome = String(result.status);
      return sendJson(res, result.status, result.json);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      return undefined;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  /** @param {{ latencyMs?: number, latencyMaxMs?: number, faults?: FaultRule[], apiKey?: string, tokens?: import('./tokens').TokenSettings, plan?: Partial<Plan> }} settings */
  function configure(settings) {
    if (settings.plan !== undefined) state.plan = { ...state.plan, ...settings.plan };
    if (settings.tokens !== undefined) tokens.configure(settings.tokens);
    if (settings.latencyMs !== undefined) state.latencyMs = settings.latencyMs;
    if (settings.latencyMaxMs !== undefined) state.latencyMaxMs = settings.latencyMaxMs;
    if (settings.faults !== undefined) state.faults = settings.faults.map((rule) => ({ ...rule }));
    if (settings.apiKey !== undefined) state.apiKey = settings.apiKey;
  }

  /**
   * Holds every call whose path contains `fragment` (after its latency, before its answer) until
   * the returned function is called: a test can act while a call is surely in flight, without
   * betting on a timing window. `reset()` and `stop()` release every hold.
   * @param {string} fragment
   */
  function hold(fragment) {
    /** @type {() => void} */
    let open = () => undefined;
    const released = new Promise((resolve) => {
      open = () => resolve(undefined);
    });
    const entry = { fragment, released, release: open };
    state.holds.push(entry);
    return () => {
      state.holds = state.holds.filter((other) => other !== entry);
      open();
    };
  }

  function releaseAll() {
    for (const entry of state.holds) entry.release();
    state.holds = [];
  }

  function reset() {
    releaseAll();
    state.rooms.clear();
    for (const room of options.rooms ?? []) state.rooms.set(room.room_id, { ...room });
    state.requests.length = 0;
    state.faults = [];
    state.latencyMs = options.latencyMs ?? 0;
    state.latencyMaxMs = options.latencyMaxMs ?? 0;
    state.nextRoomId = firstRoomId();
    state.plan = { name: 'enterprise', refuse: [], jsSdk: true };
    state.startedChats.length = 0;
    tokens.reset();
    moderation.reset();
  }

  // Idle keep-alive connections stay open for a minute (Node's default is 5 s). Several Strapi
  // instances booted one after another in one test process share Node's global agent, and a
  // boot can take longer than 5 s on a loaded machine: the next call would then race the server
  // closing its idle socket and fail with ECONNRESET before reaching the emulator.
  server.keepAliveTimeout = 60_000;

  return {
    state,
    configure,
    reset,
    hold,
    /** @param {number} [port] */
    async start(port = options.port ?? 0) {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(undefined));
      });
      return this;
    },
    get url() {
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('the emulator is not listening');
      return `http://127.0.0.1:${address.port}`;
    },
    get apiKey() {
      return state.apiKey;
    },
    get rooms() {
      return [...state.rooms.values()];
    },
    /** Tokens issued and not deleted. */
    get tokens() {
      return tokens.list();
    },
    get requests() {
      return state.requests;
    },
    /** The chats pages opened through the widget's JavaScript SDK (`iflychat.startChat`). */
    get startedChats() {
      return state.startedChats;
    },
    /**
     * What iFlyChat decides when the user of a token opens a room: allowed when the room's role
     * is `0` or one of the keys of the token's user_roles (and the token is issued and valid).
     * @param {string} key @param {number | string} roomId
     */
    enter(key, roomId) {
      return tokens.describe(key, Number(roomId));
    },
    /** Puts a user online in a room (false when banned, kicked or IP-banned). */
    online: moderation.putOnline,
    /** A message from a user into a room. */
    say: moderation.say,
    /** Who is online where, who is banned, how many messages each room holds. */
    get moderation() {
      return moderation.snapshot();
    },
    /** Requests to one operation, such as `room/create`. */
    requestsTo(/** @type {string} */ fragment) {
      return state.requests.filter((r) => r.path.includes(fragment));
    },
    async stop() {
      releaseAll();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

module.exports = { createEmulator };
