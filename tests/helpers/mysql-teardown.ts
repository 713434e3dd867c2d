/** Global teardown of the MySQL tier: stops the server the setup started. */
export default async function teardown(): Promise<void> {
  await globalThis.iflychatMysqlServer?.stop();
  globalThis.iflychatMysqlServer = undefined;
}
