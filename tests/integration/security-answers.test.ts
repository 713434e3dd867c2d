/**
 * The answer boundary, written as the attack: an iFlyChat (or something posing as it) that
 * drips one byte at a time to hold a job past its lease, sends a 300 MB answer to exhaust
 * memory, or answers with wrongly typed values. Every call ends at `timeoutMs` as a whole, an
 * answer over the size cap is cut off and treated as invalid (memory stays flat), and a wrong
 * type is an invalid answer, never a room id.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  linkRows,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const MB = 1024 * 1024;

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    // One attempt per test: the retry comes a minute later.
    pluginConfig: playgroundConfig(emulator, { timeoutMs: 4_000, retryBaseDelayMs: 60_000 }),
  });
  admin = await adminSession(pg);
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

afterEach(() => emulator.configure({ faults: [] }));

async function publish(name: string): Promise<string> {
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  await documents.publish({ documentId: doc.documentId });
  return doc.documentId;
}

async function firstFailure(documentId: string, timeoutMs = 20_000) {
  return waitFor(async () => {
    const link = (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === documentId);
    return link && link.lastError ? link : null;
  }, timeoutMs);
}

/** Samples this process's RSS while `run` runs; answers the largest growth seen. */
async function peakRssGrowth(run: () => Promise<void>): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - before;
}

it('a server dripping one byte every 300 ms cannot keep a 4,000 ms call open', async () => {
  emulator.configure({
    faults: [{ kind: 'drip', path: '/room/create', bytes: 60, intervalMs: 300 }],
  });
  const started = Date.now();
  const documentId = await publish('Dripped');
  const link = await firstFailure(documentId);
  const elapsed = Date.now() - started;
  expect(link.lastError).toBe('iFlyChat did not answer /api/1.1/room/create within 4000 ms');
  expect(link.status).toBe('retrying');
  // 60 bytes at 300 ms would be 18 s; the call ends at 4 s (plus the job's own work).
  expect(elapsed).toBeLessThan(10_000);
});

it('a 300 MB answer to room/create is cut off at 1 MB, with memory flat', async () => {
  emulator.configure({ faults: [{ kind: 'huge', path: '/room/create', bytes: 300 * MB }] });
  let documentId = '';
  const growth = await peakRssGrowth(async () => {
    documentId = await publish('Huge answer');
    await firstFailure(documentId, 30_000);
  });
  const link = await firstFailure(documentId);
  expect(link.lastError).toBe(
    'iFlyChat answered /api/1.1/room/create with more than 1048576 bytes; the answer was cut off'
  );
  // The answer may have been acted on: the next attempt looks for the room before creating.
  expect(link.intent).not.toBeNull();
  process.stdout.write(`peak RSS growth during a 300 MB answer: ${(growth / MB).toFixed(1)} MB\n`);
  expect(growth).toBeLessThan(64 * MB);
});

it('a 300 MB rooms/list is cut off at its own cap, and Link names the field', async () => {
  const documentId = await publish('Link target');
  await settle(pg.strapi);
  emulator.configure({ faults: [{ kind: 'huge', path: '/rooms/list', bytes: 300 * MB }] });
  let response: { status: number; json: any } = { status: 0, json: null };
  const growth = await peakRssGrowth(async () => {
    response = await admin.post('/iflychat/rooms/link', {
      uid: COMMUNITY,
      documentId,
      roomId: '1',
    });
  });
  expect(response.status).toBe(400);
  expect(response.json.error.details.errors[0]).toMatchObject({
    path: ['roomId'],
    message: expect.stringContaining('with more than 16777216 bytes'),
  });
  process.stdout.write(`peak RSS growth during a 300 MB list: ${(growth / MB).toFixed(1)} MB\n`);
  expect(growth).toBeLessThan(128 * MB);
});

it.each([
  [{ room_id: { $gt: 0 } }],
  [{ room_id: [7] }],
  [{ room_id: '7; drop' }],
  [{ room_id: 1e300 }],
  [{ room_id: true }],
  [null],
  [['room_id', 5]],
])('a room/create answer of %j is an invalid answer, never a room id', async (json) => {
  emulator.configure({ faults: [{ kind: 'json', path: '/room/create', json }] });
  const documentId = await publish(`Wrong type ${JSON.stringify(json)}`);
  const link = await firstFailure(documentId);
  expect(link.lastError).toBe(
    'iFlyChat answered /api/1.1/room/create without a positive integer room_id'
  );
  expect(link.roomId).toBeNull();
});

it('a rooms/list whose rooms are not a list, or hold wrong types, adopts nothing', async () => {
  const documentId = await publish('Link wrong list');
  await settle(pg.strapi);
  for (const json of [
    { rooms: 'all of them' },
    { rooms: [{ room_id: '9e3' }, { room_id: [5] }, { room_id: { id: 5 } }, 'room 5'] },
  ]) {
    emulator.configure({ faults: [{ kind: 'json', path: '/rooms/list', json }] });
    const response = await admin.post('/iflychat/rooms/link', {
      uid: COMMUNITY,
      documentId,
      roomId: '5',
    });
    expect(response.status).toBe(400);
    expect(response.json.error.details.errors[0].path).toEqual(['roomId']);
  }
});
