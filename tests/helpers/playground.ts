/**
 * Boots the real playground Strapi (compiled by the global setup) on a fresh SQLite file, with
 * the plugin configuration a test asks for, and gives the test ways to talk to it over HTTP.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

import { createStrapi } from '@strapi/strapi';
import type { Core } from '@strapi/strapi';

import type { PluginConfigInput } from '../../contracts/config';
import type { Emulator } from '../emulator/server';
import { createMysqlDatabase, MYSQL_ADMIN_URL, type MysqlDatabase } from './mysql';
import { createDatabase, PG_ADMIN_URL, type TestDatabase } from './postgres';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PLAYGROUND = path.join(ROOT, 'playground');
const PLAYGROUND_DIST = path.join(PLAYGROUND, 'dist');
const RUNS = path.join(PLAYGROUND, '.tmp', 'runs');

export const COMMUNITY = 'api::community.community';
export const GROUP = 'api::group.group';

/**
 * The playground's Community or Group bound with every field it has: name, room id, role from
 * `audience`, private and moderate flags.
 */
export const FULL_BINDING = {
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: { field: 'audience' },
  private: { field: 'isPrivate' },
  moderate: { field: 'isModerated' },
};

/** The binding the playground ships with, pointed at an emulator. */
export function playgroundConfig(
  emulator: Pick<Emulator, 'apiKey' | 'url'>,
  overrides: Partial<PluginConfigInput> = {}
) {
  return {
    apiKey: emulator.apiKey,
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 2_000,
    roleMap: { public: '1', authenticated: '2' },
    contentTypes: { [COMMUNITY]: FULL_BINDING },
    ...overrides,
  } satisfies PluginConfigInput;
}

export interface Playground {
  strapi: Core.Strapi;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

let runCounter = 0;

/**
 * Writes a copy of the compiled playground whose `config/plugins.js` holds `pluginConfig`, in a
 * run folder of its own (which also holds the SQLite file). Returns the compiled app's folder.
 */
export function prepareDist(pluginConfig: unknown, withAdmin = false): string {
  runCounter += 1;
  const runDir = path.join(RUNS, `${process.pid}-${runCounter}-${Date.now()}`);
  const distDir = path.join(runDir, 'dist');
  fs.mkdirSync(runDir, { recursive: true });
  const adminBuild = path.join(PLAYGROUND_DIST, 'build');
  if (withAdmin && !fs.existsSync(path.join(adminBuild, 'index.html'))) {
    throw new Error('The playground admin is not built: run `npx strapi build` in playground/.');
  }
  fs.cpSync(PLAYGROUND_DIST, distDir, {
    recursive: true,
    filter: (source) => withAdmin || source !== adminBuild,
  });
  const plugins = { iflychat: { enabled: true, resolve: ROOT, config: pluginConfig } };
  fs.writeFileSync(
    path.join(distDir, 'config', 'plugins.js'),
    `module.exports = ${JSON.stringify(plugins, null, 2)};\n`
  );
  return distDir;
}

export function removeRun(distDir: string): void {
  fs.rmSync(path.dirname(distDir), { recursive: true, force: true });
}

function secret() {
  return crypto.randomBytes(16).toString('base64');
}

/**
 * The environment a playground Strapi needs: fresh secrets, a SQLite file in the run folder
 * (unless `extra` points at PostgreSQL), quiet logs.
 */
export function playgroundEnv(distDir: string, extra: Record<string, string> = {}) {
  return {
    STRAPI_TELEMETRY_DISABLED: 'true',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    APP_KEYS: `${secret()},${secret()}`,
    API_TOKEN_SALT: secret(),
    ADMIN_JWT_SECRET: secret(),
    TRANSFER_TOKEN_SALT: secret(),
    JWT_SECRET: secret(),
    ENCRYPTION_KEY: secret(),
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: path.join(path.dirname(distDir), 'data.db'),
    STRAPI_LOG_LEVEL: process.env.STRAPI_LOG_LEVEL ?? 'warn',
    STRAPI_STARTUP_LOG: 'false',
    ...extra,
  };
}

/**
 * Boots Strapi in this process. `listen` also opens the HTTP server on a random 127.0.0.1 port;
 * `admin` serves the admin panel built in playground/dist/build.
 * Log lines are kept in `logs` (Strapi's logger still prints them).
 */
export async function bootPlayground(options: {
  pluginConfig: unknown;
  listen?: boolean;
  /** Serve the built admin panel (for browser tests). */
  admin?: boolean;
  /** Extra environment, applied after the defaults (e.g. `ENCRYPTION_KEY: ''`). */
  env?: Record<string, string>;
}): Promise<Playground> {
  const distDir = prepareDist(options.pluginConfig, Boolean(options.admin));
  // The MySQL tier (tests/jest.mysql.config.js) runs the same files on a MariaDB/MySQL server
  // started by its global setup: each boot gets a database of its own there.
  let mysql: MysqlDatabase | undefined;
  const mysqlAdminUrl = process.env[MYSQL_ADMIN_URL];
  if (mysqlAdminUrl) {
    mysql = await createMysqlDatabase(mysqlAdminUrl, `iflychat_${process.pid}_${runCounter}`);
  }
  // The PostgreSQL tier (tests/jest.postgres.config.js) does the same on PostgreSQL.
  let postgres: TestDatabase | undefined;
  const pgAdminUrl = process.env[PG_ADMIN_URL];
  if (pgAdminUrl) {
    postgres = await createDatabase(
      { adminUrl: pgAdminUrl, stop: () => Promise.resolve() },
      `iflychat_${process.pid}_${runCounter}`
    );
  }
  const database = mysql ?? postgres;
  Object.assign(process.env, playgroundEnv(distDir, { ...database?.env, ...options.env }));

  const strapi = createStrapi({
    appDir: PLAYGROUND,
    distDir,
    serveAdminPanel: Boolean(options.admin),
    autoReload: false,
  });
  const logs = captureLogs(strapi);
  try {
    await strapi.load();
  } catch (error) {
    await strapi.destroy().catch(() => undefined);
    await database?.drop();
    throw error;
  }
  // A database tier must really run on its database: a wrong configuration would fall back to SQLite.
  const client = (strapi.db.config.connection as { client?: unknown }).client;
  const expected = mysql ? 'mysql' : postgres ? 'postgres' : null;
  if (expected && client !== expected) {
    await strapi.destroy();
    await database?.drop();
    throw new Error(`the ${expected} tier booted Strapi on ${String(client)}`);
  }
  let url = '';
  if (options.listen) {
    await strapi.listen();
    const address = strapi.server.httpServer.address() as AddressInfo;
    url = `http://127.0.0.1:${address.port}`;
  }
  return {
    strapi,
    url,
    logs,
    async close() {
      await strapi.destroy();
      await database?.drop();
      removeRun(distDir);
    },
  };
}

/** Keeps a copy of every log line so tests can assert on what the plugin said. */
function captureLogs(strapi: Core.Strapi): string[] {
  const lines: string[] = [];
  const log = strapi.log as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    const original = log[level].bind(strapi.log);
    log[level] = (...args: unknown[]) => {
      lines.push(`${level}: ${args.map(String).join(' ')}`);
      return original(...args);
    };
  }
  return lines;
}

/**
 * Waits until the plugin has recorded every publish reported so far and its runner has nothing
 * due or running. (`idle()` waits for publishes being recorded itself: no sleep is needed.)
 */
export async function settle(strapi: Core.Strapi): Promise<void> {
  await strapi.plugin('iflychat').service('sync').idle();
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const ADMIN_CREDENTIALS = {
  email: 'admin@example.com',
  password: 'Playground-Admin-1',
  firstname: 'Ada',
  lastname: 'Admin',
};

/** Registers the first admin (a super admin) and returns a session over the real admin API. */
export async function adminSession(pg: Playground) {
  const credentials = ADMIN_CREDENTIALS;
  const response = await fetch(`${pg.url}/admin/register-admin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!response.ok)
    throw new Error(`register-admin failed: ${response.status} ${await response.text()}`);
  const { data } = (await response.json()) as { data: { token: string } };
  return httpClient(pg.url, data.token);
}

/** Another admin with the given admin roles (ids, or codes such as `strapi-editor`). */
export async function createAdminUser(
  pg: Playground,
  email: string,
  roles: Array<number | string>
): Promise<{ email: string; password: string }> {
  const roleIds: number[] = [];
  for (const role of roles) {
    if (typeof role === 'number') roleIds.push(role);
    else {
      const found = await pg.strapi.db.query('admin::role').findOne({ where: { code: role } });
      roleIds.push(found.id as number);
    }
  }
  const password = 'Second-Admin-Pass-1';
  await pg.strapi.service('admin::user').create({
    email,
    firstname: 'Second',
    lastname: 'Admin',
    password,
    isActive: true,
    roles: roleIds,
  });
  return { email, password };
}

/** Logs an admin in over the real admin API and returns a client with its session. */
export async function loginAs(pg: Playground, credentials: { email: string; password: string }) {
  const response = await fetch(`${pg.url}/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const { data } = (await response.json()) as { data: { token: string } };
  return httpClient(pg.url, data.token);
}

/** A full-access API token for the REST API. */
export async function restClient(pg: Playground) {
  const token = (await pg.strapi.service('admin::api-token').create({
    name: `tests-${Date.now()}`,
    type: 'full-access',
    lifespan: null,
    kind: 'content-api',
  })) as { accessKey: string };
  return httpClient(pg.url, token.accessKey);
}

export function httpClient(baseUrl: string, token?: string) {
  async function call(method: string, urlPath: string, body?: unknown) {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }
  return {
    get: (urlPath: string) => call('GET', urlPath),
    post: (urlPath: string, body?: unknown) => call('POST', urlPath, body ?? {}),
    put: (urlPath: string, body?: unknown) => call('PUT', urlPath, body ?? {}),
    del: (urlPath: string) => call('DELETE', urlPath),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/**
 * Saves the settings as `client`, from the revision in force now: a save must name the revision
 * it was loaded from (a `revision` in `body` wins, for tests of a stale one).
 */
export async function saveSettings(
  client: Pick<HttpClient, 'get' | 'put'>,
  body: Record<string, unknown>
) {
  const loaded = await client.get('/iflychat/settings');
  const revision = loaded.status === 200 ? (loaded.json.data.revision as number) : undefined;
  return client.put('/iflychat/settings', { revision, ...body });
}

export async function roleId(strapi: Core.Strapi, type: string): Promise<number> {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
  if (!role) throw new Error(`no users-permissions role of type ${type}`);
  return role.id as number;
}

export async function entryRows(strapi: Core.Strapi, uid: string, documentId: string) {
  return (await strapi.db
    .query(uid)
    .findMany({ where: { documentId }, orderBy: { id: 'asc' } })) as Array<Record<string, any>>;
}

export async function linkRows(strapi: Core.Strapi) {
  return (await strapi.db
    .query('plugin::iflychat.room-link')
    .findMany({ orderBy: { id: 'asc' } })) as Array<Record<string, any>>;
}
