/**
 * A Strapi process publishing 300 communities is killed with SIGKILL mid-way and started again
 * on the same SQLite database: every community ends with exactly one room.
 */
import Database from 'better-sqlite3';

import { createEmulator, type Emulator } from '../emulator/server';
import { expectExactlyOneRoomEach } from '../helpers/assertions';
import { playgroundConfig, playgroundEnv, prepareDist, removeRun } from '../helpers/playground';
import { startPublisher, type Publisher } from '../helpers/processes';

const COUNT = 300;

let emulator: Emulator;
let distDir: string;
const publishers: Publisher[] = [];

beforeAll(async () => {
  emulator = await createEmulator({ latencyMs: 25 }).start();
  distDir = prepareDist(
    playgroundConfig(emulator, {
      timeoutMs: 1_000,
      leaseSeconds: 5,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 1_000,
      sweepIntervalSeconds: 5,
    })
  );
});

afterAll(async () => {
  for (const publisher of publishers) await publisher.kill('SIGKILL');
  await emulator?.stop();
  if (distDir) removeRun(distDir);
});

it('every entry ends with exactly one room after a SIGKILL and a restart', async () => {
  const env = playgroundEnv(distDir);
  const first = startPublisher({ env, distDir, prefix: 'Crash', count: COUNT, pauseMs: 10 });
  publishers.push(first);
  // Mid-way: half the entries published, rooms being created.
  await first.until(
    (p) => p.published >= 150 && emulator.requestsTo('/room/create').length >= 10,
    90_000,
    '150 publishes and 10 room creations'
  );
  expect(await first.kill('SIGKILL')).toBeNull(); // killed, no exit code
  const roomsAtKill = emulator.rooms.length;
  const publishedAtKill = first.published;
  expect(publishedAtKill).toBeLessThan(COUNT);

  const second = startPublisher({ env, distDir, prefix: 'Crash', count: COUNT });
  publishers.push(second);
  await second.until((p) => p.done && p.links?.created === COUNT, 120_000, 'every room created');
  expect(await second.kill('SIGTERM')).toBe(0);

  const db = new Database(env.DATABASE_FILENAME, { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT document_id AS documentId, room_id AS roomId, published_at AS publishedAt, name FROM communities'
      )
      .all() as Array<{ documentId: string; roomId: unknown; publishedAt: unknown; name: string }>;
    const documentIds = [...new Set(rows.map((row) => row.documentId))];
    expect(documentIds).toHaveLength(COUNT);
    expect(new Set(rows.map((row) => row.name)).size).toBe(COUNT);
    expectExactlyOneRoomEach(documentIds, rows, emulator.rooms);
    const links = db
      .prepare('SELECT status, COUNT(*) AS n FROM iflychat_room_links GROUP BY status')
      .all();
    expect(links).toEqual([{ status: 'created', n: COUNT }]);
  } finally {
    db.close();
  }
  console.log(
    `crash test: killed after ${publishedAtKill} publishes and ${roomsAtKill} rooms; ${emulator.requestsTo('/room/create').length} create calls, ${emulator.requestsTo('/rooms/list').length} reconciliations`
  );
}, 240_000);
