/**
 * Leases and due times come from the database's clock: a second instance whose own clock runs
 * ten minutes ahead joins two Strapi processes on one PostgreSQL database, and must not take
 * over the first one's live jobs (each job is claimed once, each entry has one room).
 */
import path from 'node:path';

import { createEmulator, type Emulator } from '../emulator/server';
import { expectExactlyOneRoomEach } from '../helpers/assertions';
import {
  playgroundConfig,
  playgroundEnv,
  prepareDist,
  removeRun,
  ROOT,
} from '../helpers/playground';
import {
  createDatabase,
  startPostgres,
  type PostgresServer,
  type TestDatabase,
} from '../helpers/postgres';
import { startPublisher, type Publisher } from '../helpers/processes';

const COUNT = 60;
const SKEW_MS = 10 * 60_000;

let emulator: Emulator;
let server: PostgresServer;
let database: TestDatabase;
let distDir: string;
const publishers: Publisher[] = [];

beforeAll(async () => {
  // One call at a time per instance, 250 ms each: the first instance's jobs are still queued
  // and leased when the second one starts.
  emulator = await createEmulator({ latencyMs: 250 }).start();
  server = await startPostgres();
  database = await createDatabase(server, `iflychat_clock_${process.pid}`);
  distDir = prepareDist(
    playgroundConfig(emulator, {
      timeoutMs: 1_000,
      concurrency: 1,
      leaseSeconds: 5,
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

it('an instance whose clock runs ten minutes ahead does not steal live jobs', async () => {
  const env = playgroundEnv(distDir, { ...database.env, STRAPI_LOG_LEVEL: 'info' });
  const a = startPublisher({ env, distDir, prefix: 'On time', count: COUNT });
  publishers.push(a);
  await a.until((p) => p.done, 120_000, 'A published everything');
  const skewed = {
    ...env,
    NODE_OPTIONS: `--require ${path.join(ROOT, 'tests', 'processes', 'skewed-clock.js')}`,
    IFLYCHAT_CLOCK_SKEW_MS: String(SKEW_MS),
  };
  const b = startPublisher({ env: skewed, distDir, prefix: 'Ahead', count: 0 });
  publishers.push(b);
  await b.until((p) => p.ready, 120_000, 'B started');
  await a.until((p) => p.links?.created === COUNT, 120_000, 'every room created');

  const links = await database.query<{ attempts: number }>(
    'select attempts from iflychat_room_links'
  );
  // Claimed once each: no job was taken over from a live lease.
  expect(links.map((row) => row.attempts)).toEqual(Array(COUNT).fill(1));
  const entries = await database.query<{
    documentId: string;
    roomId: unknown;
    publishedAt: unknown;
  }>(
    'select document_id as "documentId", room_id as "roomId", published_at as "publishedAt" from communities'
  );
  const ids = [...new Set(entries.map((row) => row.documentId))];
  expectExactlyOneRoomEach(ids, entries, emulator.rooms);
  expect(a.output).not.toMatch(/lost its lease|ran out of lease time/);
  expect(b.output).not.toMatch(/lost its lease|ran out of lease time/);
}, 240_000);
