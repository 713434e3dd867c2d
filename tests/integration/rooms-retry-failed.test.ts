/**
 * Retry failed on the Rooms page, written as the attack on its bounds: more failed rooms than one
 * press may queue (it queues at most RETRY_FAILED_LIMIT and says how many remain), rooms that
 * fail again at once (the next press takes those that waited, not the same ones again), and two
 * presses at the same moment (each room queued once, none reported busy). No API key is set, so
 * no worker runs the queued rows: what each press did stays in the table to be read.
 */
import { RETRY_FAILED_LIMIT } from '../../contracts/rooms-page';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  GROUP,
  FULL_BINDING,
} from '../helpers/playground';
import type { Playground } from '../helpers/playground';

const LINKS = 'iflychat_room_links';
const EXTRA = 30;
const TOTAL = RETRY_FAILED_LIMIT + EXTRA;
const REASON = 'iFlyChat rejected the request (HTTP 400 on /api/1.1/room/create)';

let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

interface Row {
  id: number;
  entry_document_id: string;
  status: string;
  want_seq: number;
  done_seq: number;
  attempts: number;
  last_error: string | null;
  synced_at_ms: number | string;
}

const rows = async () => (await pg.strapi.db.connection(LINKS).orderBy('id')) as Row[];
const press = async (body: Record<string, unknown> = {}) => {
  const response = await admin.post('/iflychat/rooms/retry-failed', body);
  expect(response.status).toBe(200);
  return response.json.data as { retried: number; busy: number; remaining: number };
};
/** The rows `ids` failed again, as the worker leaves them: nothing due, last attempt at `at`. */
const failAgain = async (ids: number[], at: number) => {
  await pg.strapi.db
    .connection(LINKS)
    .whereIn('id', ids)
    .update({
      status: 'failed',
      done_seq: pg.strapi.db.connection.raw('??', ['want_seq']),
      attempts: 1,
      last_error: REASON,
      synced_at_ms: at,
    });
};
const allIds = async () => (await rows()).map((row) => row.id);

beforeAll(async () => {
  pg = await bootPlayground({
    // No apiKey: the plugin stays idle, and no audit comes by during the file.
    pluginConfig: {
      apiVersion: '1.1',
      baseUrl: 'https://api.iflychat.com',
      roleMap: { public: '1', authenticated: '2' },
      contentTypes: { [COMMUNITY]: FULL_BINDING, [GROUP]: FULL_BINDING },
      sweepIntervalSeconds: 3_600,
    },
    listen: true,
  });
  admin = await adminSession(pg);
  // Failed rows in an order of last attempt that is not their id order.
  const base = Date.now() - 86_400_000;
  const links = Array.from({ length: TOTAL }, (_, i) => {
    const documentId = `retryfailed${String(i).padStart(13, '0')}`;
    return {
      link_key: `${COMMUNITY}:${documentId}:*`,
      content_type: COMMUNITY,
      entry_document_id: documentId,
      entry_locale: '*',
      want_seq: 1,
      done_seq: 1,
      status: 'failed',
      unlinked: false,
      attempts: 8,
      last_error: REASON,
      fence: 0,
      due_at_ms: 0,
      synced_at_ms: base + ((i * 7919) % TOTAL) * 1000,
    };
  });
  await pg.strapi.db.connection.batchInsert(LINKS, links, 50);
});

afterAll(async () => {
  await pg?.close();
});

it('one press queues at most RETRY_FAILED_LIMIT rooms, those that waited longest, and says how many remain', async () => {
  expect(await press()).toEqual({ retried: RETRY_FAILED_LIMIT, busy: 0, remaining: EXTRA });

  const all = await rows();
  const byAge = [...all].sort((a, b) => Number(a.synced_at_ms) - Number(b.synced_at_ms));
  const queued = new Set(byAge.slice(0, RETRY_FAILED_LIMIT).map((row) => row.id));
  for (const row of all) {
    if (queued.has(row.id)) {
      expect(row).toMatchObject({ status: 'pending', want_seq: 2, attempts: 0, last_error: null });
    } else {
      expect(row).toMatchObject({ status: 'failed', want_seq: 1, attempts: 8, last_error: REASON });
    }
  }
  const page = await admin.get('/iflychat/rooms/list?filter=failed&pageSize=100');
  expect(page.json.meta.pagination.total).toBe(EXTRA);
});

it('rooms that failed again go to the back: the next press takes the ones that waited', async () => {
  const all = await rows();
  const waiting = all.filter((row) => row.status === 'failed').map((row) => row.id);
  // The queued rooms ran and failed again just now; the others still wait from yesterday.
  const queued = all.filter((row) => row.status === 'pending').map((row) => row.id);
  await failAgain(queued, Date.now());

  expect(await press()).toEqual({ retried: RETRY_FAILED_LIMIT, busy: 0, remaining: EXTRA });
  const after = await rows();
  for (const id of waiting) {
    expect(after.find((row) => row.id === id)).toMatchObject({ status: 'pending', want_seq: 2 });
  }
});

it('two presses at the same moment queue each room once, and none is reported busy', async () => {
  await failAgain(await allIds(), Date.now() - 60_000);
  const before = new Map((await rows()).map((row) => [row.id, row.want_seq]));

  const results = await Promise.all([press(), press()]);
  expect(results.sort((a, b) => a.retried - b.retried)).toEqual([
    { retried: EXTRA, busy: 0, remaining: 0 },
    { retried: RETRY_FAILED_LIMIT, busy: 0, remaining: EXTRA },
  ]);
  for (const row of await rows()) {
    expect([row.status, row.want_seq]).toEqual(['pending', before.get(row.id)! + 1]);
  }
  // Pressed again with nothing failed: nothing to do, and nothing remains.
  expect(await press()).toEqual({ retried: 0, busy: 0, remaining: 0 });
});

it("a press for one content type leaves the other types' failed rooms alone", async () => {
  await failAgain(await allIds(), Date.now() - 60_000);
  expect(await press({ uid: GROUP })).toEqual({ retried: 0, busy: 0, remaining: 0 });
  expect((await rows()).every((row) => row.status === 'failed')).toBe(true);
  const community = await press({ uid: COMMUNITY });
  expect(community).toEqual({ retried: RETRY_FAILED_LIMIT, busy: 0, remaining: EXTRA });
});
