/**
 * Two Strapi processes on one PostgreSQL database, each publishing its own communities while both
 * workers and sweeps compete for every job: each entry gets exactly one room.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import { expectExactlyOneRoomEach } from '../helpers/assertions';
import { playgroundConfig, playgroundEnv, prepareDist, removeRun } from '../helpers/playground';
import {
  createDatabase,
  startPostgres,
  type PostgresServer,
  type TestDatabase,
} from '../helpers/postgres';
import { startPublisher, type Publisher } from '../helpers/processes';

const FROM_A = 150;
const FROM_B = 50;

let emulator: Emulator;
let server: PostgresServer;
let database: TestDatabase;
let distDir: string;
const publishers: Publisher[] = [];

beforeAll(async () => {
  // Slow enough (one call at a time, 100 ms each) that jobs queue up, so both instances' workers
  // compete for the same rows.
  emulator = await createEmulator({ latencyMs: 100 }).start();
  server = await startPostgres();
  database = await createDatabase(server, `iflychat_instances_${process.pid}`);
  distDir = prepareDist(
    playgroundConfig(emulator, {
      timeoutMs: 1_000,
      concurrency: 1,
      leaseSeconds: 5,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 1_000,
      sweepIntervalSeconds: 5,
    })
  );
}, 120_000);

afterAll(async () => {
  for (const publisher of publishers) await publisher.kill('SIGKILL');
  await database?.drop();
  await server?.stop();
  await emulator?.stop();
  if (distDir) removeRun(distDir);
});

it('two instances on one PostgreSQL database give each entry exactly one room', async () => {
  // Info logs, to see which instance made which room.
  const env = playgroundEnv(distDir, { ...database.env, STRAPI_LOG_LEVEL: 'info' });
  const a = startPublisher({ env, distDir, prefix: 'Instance A', count: FROM_A });
  publishers.push(a);
  // The first instance creates the schema and a backlog; the second starts on top of it, takes
  // part of the backlog at once, and publishes its own entries while both workers run.
  await a.until((p) => p.done, 120_000, 'A published everything');
  const b = startPublisher({ env, distDir, prefix: 'Instance B', count: FROM_B });
  publishers.push(b);

  const total = FROM_A + FROM_B;
  await b.until((p) => p.done && p.links?.created === total, 120_000, 'every room created');
  // Both stop cleanly with SIGTERM (Strapi's own handler destroys and exits 0).
  for (const publisher of [a, b]) expect(await publisher.kill('SIGTERM')).toBe(0);

  const rows = await database.query<{ documentId: string; roomId: unknown; publishedAt: unknown }>(
    'SELECT document_id AS "documentId", room_id AS "roomId", published_at AS "publishedAt" FROM communities'
  );
  const documentIds = [...new Set(rows.map((row) => row.documentId))];
  expect(documentIds).toHaveLength(total);
  expectExactlyOneRoomEach(documentIds, rows, emulator.rooms);
  const links = await database.query<{ status: string; n: string }>(
    'SELECT status, COUNT(*) AS n FROM iflychat_room_links GROUP BY status'
  );
  expect(links).toEqual([{ status: 'created', n: String(total) }]);
  expect(emulator.requestsTo('/room/create')).toHaveLength(total);

  // Both instances took jobs, including jobs of entries the other one published.
  const made = (output: string) => output.match(/\[iflychat\] room \d+ "[^"]+" ready/g) ?? [];
  const byA = made(a.output);
  const byB = made(b.output);
  expect(byA.length + byB.length).toBe(total);
  expect(byB.filter((line) => line.includes('"Instance A')).length).toBeGreaterThan(0);
  expect(byA.length).toBeGreaterThan(0);
  console.log(`instances test: A made ${byA.length} rooms, B made ${byB.length}`);
}, 300_000);
