/**
 * The rig of the multi-instance tests: the emulator, a throwaway database (PostgreSQL unless the
 * test brings another provider, such as MariaDB's) and a built playground, set up before the
 * file's tests and removed after them, with Strapi processes (publishers) that share the database.
 * Publishers still running at the end are killed.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import { playgroundConfig, playgroundEnv, prepareDist, removeRun } from './playground';
import { createDatabase, startPostgres, type TestDatabase } from './postgres';
import { startPublisher, type Publisher } from './processes';

/** Where the shared database comes from: a fresh database on a server, and how to stop that. */
export interface DatabaseProvider {
  create(name: string): Promise<{ database: TestDatabase; stop(): Promise<void> }>;
}

/** A throwaway PostgreSQL server (or IFLYCHAT_TEST_PG_URL's) with one database. */
export const postgresProvider: DatabaseProvider = {
  async create(name) {
    const server = await startPostgres();
    try {
      return { database: await createDatabase(server, name), stop: () => server.stop() };
    } catch (error) {
      await server.stop();
      throw error;
    }
  },
};

export function useInstances(options: {
  /** Part of the database's name. */
  name: string;
  latencyMs: number;
  /** Each call to the emulator waits a random time between latencyMs and this. */
  latencyMaxMs?: number;
  /** The emulator's random source (latency, faults with a probability). */
  random?: () => number;
  pluginConfig: Record<string, unknown>;
  database?: DatabaseProvider;
}) {
  let emulator: Emulator | undefined;
  let database: TestDatabase | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  let distDir: string | undefined;
  const publishers: Publisher[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the instances rig is not set up yet');
    return value;
  };

  beforeAll(async () => {
    emulator = await createEmulator({
      latencyMs: options.latencyMs,
      latencyMaxMs: options.latencyMaxMs,
      random: options.random,
    }).start();
    const provider = options.database ?? postgresProvider;
    const made = await provider.create(`iflychat_${options.name}_${process.pid}`);
    database = made.database;
    stopServer = () => made.stop();
    distDir = prepareDist(playgroundConfig(emulator, options.pluginConfig));
  }, 120_000);

  afterAll(async () => {
    for (const publisher of publishers) await publisher.kill('SIGKILL');
    await database?.drop();
    await stopServer?.();
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
    /**
     * A publisher's environment: the shared database, with info logs (which instance did what),
     * and `extra` (such as TZ).
     */
    env(extra: Record<string, string> = {}): Record<string, string> {
      return playgroundEnv(ready(distDir), {
        ...ready(database).env,
        STRAPI_LOG_LEVEL: 'info',
        ...extra,
      });
    },
    /** Starts a Strapi process on the shared database that publishes `count` communities. */
    start(publisher: Omit<Parameters<typeof startPublisher>[0], 'distDir'>): Publisher {
      const started = startPublisher({ ...publisher, distDir: ready(distDir) });
      publishers.push(started);
      return started;
    },
  };
}
