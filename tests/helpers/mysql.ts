/**
 * A MariaDB or MySQL server for the MySQL tier (tests/jest.mysql.config.js).
 *
 * With IFLYCHAT_TEST_MYSQL_URL (mysql://user:password@host:port) the tests use that server: they
 * create and drop databases of their own in it. Otherwise a throwaway server is made with the
 * machine's binaries (Debian: `apt-get install -y mariadb-server`; see locate.ts) in a temporary
 * folder, listening on 127.0.0.1 on a free port, and removed afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createConnection } from 'mysql2/promise';

import { findMysql, HOW_TO as INSTALL, type LocatedMysql } from './locate';
import { freePort } from './postgres';

/** Set by the MySQL tier's global setup: the server on which each playground boot makes its database. */
export const MYSQL_ADMIN_URL = 'IFLYCHAT_TEST_MYSQL_ADMIN_URL';

export const HOW_TO = `The MySQL tier needs MariaDB or MySQL: ${INSTALL.mysql}`;

export interface MysqlServer {
  /** mysql://user:password@127.0.0.1:port, a user that may create and drop databases. */
  adminUrl: string;
  binaries?: LocatedMysql;
  stop(): Promise<void>;
}

function exists(user: string): boolean {
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function connectable(url: string, server: ChildProcess, log: string, timeoutMs: number) {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    if (server.exitCode !== null) break;
    try {
      const connection = await createConnection(url);
      await connection.end();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
  throw new Error(
    `The MySQL test server did not accept connections (${String(last)}; exit ${server.exitCode}):\n${tail}`
  );
}

export async function startMysql(): Promise<MysqlServer> {
  if (process.env.IFLYCHAT_TEST_MYSQL_URL) {
    return { adminUrl: process.env.IFLYCHAT_TEST_MYSQL_URL, stop: () => Promise.resolve() };
  }
  const found = findMysql();
  if (!found) throw new Error(HOW_TO);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-mysql-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const port = await freePort();
  const password = crypto.randomBytes(12).toString('hex');
  // The server refuses to run as root: as root it runs as `mysql` (Debian's package makes it).
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? (exists('mysql') ? 'mysql' : 'nobody') : null;
  const userArgs = user ? [`--user=${user}`] : [];
  if (user) execFileSync('chown', [user, dir]);

  const init = path.join(dir, 'init.sql');
  fs.writeFileSync(
    init,
    [
      `CREATE USER 'iflychat'@'127.0.0.1' IDENTIFIED BY '${password}';`,
      `GRANT ALL PRIVILEGES ON *.* TO 'iflychat'@'127.0.0.1' WITH GRANT OPTION;`,
      '',
    ].join('\n')
  );
  if (user) execFileSync('chown', [user, init]);

  if (found.flavour === 'mariadb' && found.installDb) {
    execFileSync(
      found.installDb,
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=socket',
        '--skip-test-db',
        ...userArgs,
      ],
      { stdio: 'pipe' }
    );
  } else {
    execFileSync(
      found.server,
      ['--no-defaults', '--initialize-insecure', `--datadir=${data}`, ...userArgs],
      { stdio: 'pipe' }
    );
  }

  const server = spawn(
    found.server,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${path.join(dir, 'server.sock')}`,
      `--pid-file=${path.join(dir, 'server.pid')}`,
      `--log-error=${log}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--init-file=${init}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=0',
      '--max-connections=200',
      // MySQL 8's X protocol would take a fixed port of its own.
      ...(found.flavour === 'mysql' ? ['--mysqlx=OFF'] : []),
      ...userArgs,
    ],
    { stdio: 'ignore' }
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const adminUrl = `mysql://iflychat:${password}@127.0.0.1:${port}`;
  try {
    await connectable(adminUrl, server, log, 60_000);
  } catch (error) {
    server.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl,
    binaries: found,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        const killer = setTimeout(() => server.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MysqlDatabase {
  /** The Strapi environment that points at this database (see playground/config/database.ts). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server. */
export async function createMysqlDatabase(adminUrl: string, name: string): Promise<MysqlDatabase> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`not a safe database name: ${name}`);
  const admin = await createConnection(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`
    );
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  return {
    env: {
      DATABASE_CLIENT: 'mysql',
      DATABASE_HOST: url.hostname,
      DATABASE_PORT: url.port || '3306',
      DATABASE_NAME: name,
      DATABASE_USERNAME: decodeURIComponent(url.username),
      DATABASE_PASSWORD: decodeURIComponent(url.password),
    },
    async drop() {
      const again = await createConnection(adminUrl);
      try {
        await again.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await again.end();
      }
    },
  };
}

/**
 * A fresh database for the multi-instance rig (instances.ts) on the MySQL tier's server (or a
 * throwaway one outside that tier), with a connection the test queries it through. Big integers
 * come back as strings, as PostgreSQL's driver gives them.
 */
export const mysqlProvider = {
  async create(name: string) {
    const shared = process.env[MYSQL_ADMIN_URL];
    const server = shared ? null : await startMysql();
    const adminUrl = shared ?? (server as MysqlServer).adminUrl;
    try {
      const made = await createMysqlDatabase(adminUrl, name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const connection = await createConnection({
        uri: url.toString(),
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      const database = {
        url: url.toString(),
        env: made.env,
        async query<T>(sql: string, params: unknown[] = []) {
          const [rows] = await connection.query(sql, params);
          return rows as T[];
        },
        async drop() {
          await connection.end();
          await made.drop();
        },
      };
      return { database, stop: () => server?.stop() ?? Promise.resolve() };
    } catch (error) {
      await server?.stop();
      throw error;
    }
  },
};
