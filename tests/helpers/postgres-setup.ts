/**
 * Global setup of the PostgreSQL tier: compiles the playground, then starts a throwaway server
 * (tests/helpers/postgres.ts); each boot of the playground gets a database of its own on it.
 */
import { PG_ADMIN_URL, startPostgres, type PostgresServer } from './postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const compilePlayground = require('./global-setup.js') as () => Promise<void>;

declare global {
  var iflychatPostgresServer: PostgresServer | undefined;
}

export default async function setup(): Promise<void> {
  await compilePlayground();
  const server = await startPostgres();
  globalThis.iflychatPostgresServer = server;
  process.env[PG_ADMIN_URL] = server.adminUrl;
  const where = server.binaries
    ? `${server.binaries.path} (${server.binaries.from})`
    : 'IFLYCHAT_TEST_PG_URL';
  process.stdout.write(`\nPostgreSQL tier: a server from ${where}\n`);
}
