/** Global teardown of the PostgreSQL tier: stops the server the setup started. */
export default async function teardown(): Promise<void> {
  await globalThis.iflychatPostgresServer?.stop();
  globalThis.iflychatPostgresServer = undefined;
}
