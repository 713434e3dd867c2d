/**
 * iFlyChat failing in every way it can, about 30% of room creations: 500, 503, 429 with
 * Retry-After, hangs until the timeout, resets, non-JSON answers, and the ambiguous ones where
 * the room is created but the answer is lost. Once the emulator recovers, every entry has exactly
 * one room and the emulator holds no orphan.
 */
import { createEmulator, type Emulator, type FaultRule } from '../emulator/server';
import { expectExactlyOneRoomEach, seededRandom } from '../helpers/assertions';
import {
  bootPlayground,
  COMMUNITY,
  linkRows,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';

const ENTRIES = 60;
const SEED = Number(process.env.IFLYCHAT_FAULT_SEED ?? 20261126);

let emulator: Emulator;
let pg: Playground;

beforeAll(async () => {
  emulator = await createEmulator({ random: seededRandom(SEED) }).start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      timeoutMs: 400,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 800,
      maxAttempts: 30,
      leaseSeconds: 5,
    }),
  });
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

it('every published entry ends with exactly one room', async () => {
  // Eight kinds of failure, each taking ~4% of create calls: ~28% fail in all.
  const kinds: FaultRule[] = [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'status', status: 429, retryAfter: 1 },
    { kind: 'hang' },
    { kind: 'reset' },
    { kind: 'non-json' },
    { kind: 'hang-after' },
    { kind: 'reset-after' },
  ];
  emulator.configure({
    faults: kinds.map((rule) => ({ ...rule, path: '/room/create', probability: 0.04 })),
  });

  const audience = await roleId(pg.strapi, 'authenticated');
  const documentIds: string[] = [];
  for (let i = 0; i < ENTRIES; i += 1) {
    const doc = await pg.strapi
      .documents(COMMUNITY)
      .create({ data: { name: `Fault room ${i}`, audience } as never });
    await pg.strapi.documents(COMMUNITY).publish({ documentId: doc.documentId });
    documentIds.push(doc.documentId);
  }

  // Let the faults bite for a while, then let iFlyChat recover.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const injected = emulator.requests.filter((request) => !/^(200|403|404)$/.test(request.outcome));
  emulator.configure({ faults: [] });

  const links = await waitFor(async () => {
    const rows = await linkRows(pg.strapi);
    return rows.length === ENTRIES && rows.every((row) => row.status === 'created') ? rows : null;
  }, 60_000).catch(async (error: Error) => {
    const rows = await linkRows(pg.strapi);
    const summary = rows
      .filter((row) => row.status !== 'created')
      .map((row) => `${row.status} ${row.attempts} ${row.nextAttemptAt} ${row.lastError}`);
    throw new Error(`${error.message}; ${rows.length} rows, not created: ${summary.join(' | ')}`);
  });

  const rows = (await pg.strapi.db.query(COMMUNITY).findMany({
    where: { documentId: { $in: documentIds } },
    select: ['documentId', 'roomId', 'publishedAt'],
  })) as Array<{ documentId: string; roomId: unknown; publishedAt: unknown }>;
  expectExactlyOneRoomEach(documentIds, rows, emulator.rooms);
  expect(emulator.rooms.map((room) => room.room_name).sort()).toEqual(
    documentIds.map((_, i) => `Fault room ${i}`).sort()
  );

  // The faults really happened, of several kinds, and some rooms were adopted after a lost answer.
  const outcomes = new Set(injected.map((request) => request.outcome.split(' ')[0]));
  expect(injected.length).toBeGreaterThanOrEqual(8);
  expect(outcomes.size).toBeGreaterThanOrEqual(4);
  expect(emulator.requestsTo('/rooms/list').length).toBeGreaterThan(0);
  expect(links.some((row) => row.attempts > 1)).toBe(true);
  console.log(
    `fault test: ${emulator.requestsTo('/room/create').length} create calls, ${injected.length} injected failures (${[...outcomes].join(', ')}), ${emulator.requestsTo('/rooms/list').length} reconciliations`
  );
}, 120_000);
