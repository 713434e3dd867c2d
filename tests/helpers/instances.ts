/**
 * The rig of the multi-instance tests: the emulator, a throwaway PostgreSQL database and a built
 * playground, set up before the file's tests and removed after them, with Strapi processes
 * (publishers) that share the database. Publishers still running at the end are killed.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import { playgroundConfig, playgroundEnv, prepareDist, removeRun } from './playground';
import { createDatabase, startPostgres, type PostgresServer, type TestDatabase } from './postgres';
import { startPublisher, type Publisher } from './processes';

export function useInstances(options: {
  /** Part of the database's name. */
  name: string;
  latencyMs: number;
  pluginConfig: Record<string, unknown>;
}) {
  let emulator: Emulator | undefined;
  let server: PostgresServer | undefined;
  let database: TestDatabase | undefined;
  let distDir: string | undefined;
  const publishers: Publisher[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the instances rig is not set up yet');
    return value;
  };

  beforeAll(async () => {
    emulator = await createEmulator({ latencyMs: options.latencyMs }).start();
    server = await startPostgres();
    database = await createDatabase(server, `iflychat_${options.name}_${process.pid}`);
    distDir = prepareDist(playgroundConfig(emulator, options.pluginConfig));
  }, 120_000);

  afterAll(async () => {
    for (const publisher of publishers) await publisher.kill('SIGKILL');
    await database?.drop();
    await server?.stop();
    await emulator?.stop();
    if (distDir) removeRun(distDir);
  });

  return {
    get emulator() {
      return ready(emulator);
    },
    get database() {
      return ready(database);
    },
    /** A publisher's environment: the shared database, with info logs (which instance did what). */
    env(): Record<string, string> {
      return playgroundEnv(ready(distDir), { ...ready(database).env, STRAPI_LOG_LEVEL: 'info' });
    },
    /** Starts a Strapi process on the shared database that publishes `count` communities. */
    start(publisher: Omit<Parameters<typeof startPublisher>[0], 'distDir'>): Publisher {
      const started = startPublisher({ ...publisher, distDir: ready(distDir) });
      publishers.push(started);
      return started;
    },
  };
}
