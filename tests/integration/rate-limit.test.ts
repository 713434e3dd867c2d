/**
 * A low `maxRequestsPerSecond` with a high `concurrency` once livelocked: jobs waiting for a
 * request slot outlived their lease, gave their attempt back and queued again. Jobs now keep
 * their lease while they wait, and the limit's throughput is reached. Real Strapi, SQLite and
 * HTTP to the emulator.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  bootPlayground,
  COMMUNITY,
  linkRows,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';

const COUNT = 24;
const PER_SECOND = 2;

let emulator: Emulator;
let pg: Playground;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      maxRequestsPerSecond: PER_SECOND,
      concurrency: 16,
      timeoutMs: 1_000,
      // 24 calls at 2 a second take 12 s: more than twice the lease.
      leaseSeconds: 5,
    }),
  });
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

it(`${COUNT} rooms at ${PER_SECOND} requests/s with concurrency 16: no lease lost, the limit's throughput reached`, async () => {
  const audience = await roleId(pg.strapi, 'authenticated');
  const documents = pg.strapi.documents(COMMUNITY);
  for (let index = 0; index < COUNT; index += 1) {
    const doc = await documents.create({ data: { name: `Paced ${index}`, audience } as never });
    await documents.publish({ documentId: doc.documentId });
  }
  const links = await waitFor(async () => {
    const rows = await linkRows(pg.strapi);
    return rows.length === COUNT && rows.every((row) => row.status === 'created') ? rows : null;
  }, 60_000);

  // Each job was claimed once: none lost its lease while it waited for its turn.
  expect(links.map((row) => row.attempts)).toEqual(Array(COUNT).fill(1));
  const creates = emulator.requestsTo('/room/create');
  expect(creates).toHaveLength(COUNT);
  const seconds = (creates[COUNT - 1].at - creates[0].at) / 1000;
  const rate = (COUNT - 1) / seconds;
  // Never over the limit, and not far under it.
  expect(rate).toBeLessThanOrEqual(PER_SECOND * 1.05);
  expect(rate).toBeGreaterThanOrEqual(PER_SECOND * 0.85);
  expect(pg.logs.some((line) => line.includes('ran out of lease time'))).toBe(false);
}, 90_000);
