/** Global setup of the MySQL tier: compiles the playground, then starts the database server. */
import { MYSQL_ADMIN_URL, startMysql, type MysqlServer } from './mysql';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const compilePlayground = require('./global-setup.js') as () => Promise<void>;

declare global {
  var iflychatMysqlServer: MysqlServer | undefined;
}

export default async function setup(): Promise<void> {
  await compilePlayground();
  const server = await startMysql();
  globalThis.iflychatMysqlServer = server;
  // The test workers start after this and inherit it.
  process.env[MYSQL_ADMIN_URL] = server.adminUrl;
  const where = server.binaries
    ? `${server.binaries.server} (${server.binaries.flavour})`
    : 'IFLYCHAT_TEST_MYSQL_URL';
  process.stdout.write(`\nMySQL tier: a server from ${where}\n`);
}
