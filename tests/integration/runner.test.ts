/**
 * The job runner's promises, each once broken: a publish during a running job is not lost,
 * `idle()` waits for publishes being recorded, a poison job fails instead of running forever, a
 * called-off delete that fails leaves the published entry its room, a deleted entry's row goes
 * even when its job was running, and a carried room id is not adopted blindly. Real Strapi,
 * SQLite and HTTP to the emulator.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  bootPlayground,
  COMMUNITY,
  entryRows,
  GROUP,
  linkRows,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
  FULL_BINDING,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      maxAttempts: 3,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 100,
      contentTypes: {
        [COMMUNITY]: FULL_BINDING,
        [GROUP]: { ...FULL_BINDING, onUnpublish: 'delete', onDelete: 'delete' },
      },
    }),
  });
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

beforeEach(() => emulator.configure({ faults: [], latencyMs: 0 }));

const sync = () => pg.strapi.plugin('iflychat').service('sync');
const documents = (uid: string) => pg.strapi.documents(uid as typeof COMMUNITY);
const linkOf = async (documentId: string) =>
  (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === documentId);
const roomsNamed = (name: string) => emulator.rooms.filter((room) => room.room_name === name);

async function draft(uid: string, data: Record<string, unknown>) {
  return documents(uid).create({ data: { audience, ...data } as never });
}

async function published(uid: string, name: string) {
  const doc = await draft(uid, { name });
  await documents(uid).publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  const [row] = await entryRows(pg.strapi, uid, doc.documentId);
  return { documentId: doc.documentId, roomId: String(row.roomId) };
}

const whileRunning = (documentId: string) =>
  waitFor(async () => (await linkOf(documentId))?.status === 'processing');

describe('a publish while the job runs', () => {
  it('marks the job to run again: the room ends as the entry asks now (private)', async () => {
    emulator.configure({ latencyMs: 600 });
    const doc = await draft(COMMUNITY, { name: 'Open at first', isPrivate: false });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await whileRunning(doc.documentId);

    await documents(COMMUNITY).update({
      documentId: doc.documentId,
      data: { isPrivate: true } as never,
    });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    const rooms = roomsNamed('Open at first');
    expect(rooms).toHaveLength(1);
    expect(rooms[0].room_private).toBe('1');
    expect(await linkOf(doc.documentId)).toMatchObject({
      status: 'created',
      roomPrivate: true,
      runAgain: false,
    });
  });
});

describe('idle()', () => {
  it('waits for a publish still being recorded (no sleep before it)', async () => {
    const doc = await draft(COMMUNITY, { name: 'Idle waits' });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await sync().idle();
    expect(await linkOf(doc.documentId)).toMatchObject({ status: 'created' });
    expect(roomsNamed('Idle waits')).toHaveLength(1);
  });
});

describe('publishes recorded in one transaction', () => {
  it('a batch whose insert collides is rolled back and written again outside it: one room each', async () => {
    const names = ['Collide A', 'Collide B', 'Collide C'];
    const docs: Array<{ documentId: string; name: string }> = [];
    for (const name of names)
      docs.push({ documentId: (await draft(COMMUNITY, { name })).documentId, name });
    const [first] = docs;
    // A row for the first entry appears between the batch's read and its insert (on SQLite,
    // inside the batch's own transaction, so it is rolled back with it).
    let collided = false;
    const unsubscribe = pg.strapi.db.lifecycles.subscribe({
      models: ['plugin::iflychat.room-link'],
      async beforeCreateMany() {
        if (collided) return;
        collided = true;
        await sync().links.queue(COMMUNITY, [{ documentId: first.documentId, locale: '*' }], {
          retryFailed: false,
        });
      },
    });
    try {
      await pg.strapi.db.transaction(async () => {
        for (const doc of docs) await documents(COMMUNITY).publish({ documentId: doc.documentId });
      });
      await settle(pg.strapi);
    } finally {
      unsubscribe();
    }
    expect(collided).toBe(true);
    for (const doc of docs) {
      const rows = (await linkRows(pg.strapi)).filter(
        (row) => row.entryDocumentId === doc.documentId
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('created');
      const created = emulator
        .requestsTo('/room/create')
        .filter((request) => request.body.room_name === doc.name);
      expect(created).toHaveLength(1);
    }
  });
});

describe('claims', () => {
  it('a batch claim wins only the rows no other worker took first, and knows which', async () => {
    const links = pg.strapi.db.query('plugin::iflychat.room-link');
    const later = new Date(Date.now() + 3_600_000); // not due: the running loop leaves them alone
    const rows = [];
    for (const key of ['a', 'b', 'c']) {
      rows.push(
        (await links.create({
          data: {
            linkKey: `claims-test:${key}`,
            contentType: COMMUNITY,
            entryDocumentId: `claims-test-${key}`,
            entryLocale: '*',
            operation: 'sync',
            status: 'pending',
            attempts: 0,
            fence: 0,
            nextAttemptAt: later,
          },
        })) as { id: number; fence: number }
      );
    }
    try {
      const lease = new Date(Date.now() + 60_000);
      // Another worker claims b first...
      const [other] = await sync().links.claimMany([rows[1]], lease);
      expect(other).toMatchObject({ id: rows[1].id, fence: 1, attempts: 1 });
      // ...then this one claims a, b and c from what it read before.
      const won = await sync().links.claimMany(rows, lease);
      expect(won.map((job: { id: number }) => job.id).sort()).toEqual([rows[0].id, rows[2].id]);
      const now = await links.findMany({ where: { id: { $in: rows.map((row) => row.id) } } });
      const tokenOf = (id: number) => now.find((row) => row.id === id)?.claimToken;
      expect(tokenOf(rows[0].id)).toBe(tokenOf(rows[2].id));
      expect(tokenOf(rows[1].id)).not.toBe(tokenOf(rows[0].id));
      for (const row of now) expect(row).toMatchObject({ status: 'processing', fence: 1 });
    } finally {
      await links.deleteMany({ where: { linkKey: { $startsWith: 'claims-test:' } } });
    }
  });
});

describe('poison jobs', () => {
  it('a job taken over past maxAttempts is failed with its reason before any call', async () => {
    const doc = await draft(COMMUNITY, { name: 'Poison' });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    const link = await linkOf(doc.documentId);
    // As if three workers in a row had claimed it and died (maxAttempts is 3).
    await pg.strapi.db.query('plugin::iflychat.room-link').update({
      where: { id: link!.id },
      data: {
        operation: 'recreate',
        status: 'processing',
        attempts: 3,
        lastError: 'the process was killed',
        leaseExpiresAt: new Date(Date.now() - 1_000),
      },
    });
    const calls = emulator.requests.length;
    await sync().sweep();
    await settle(pg.strapi);

    const row = await linkOf(doc.documentId);
    expect(row).toMatchObject({
      status: 'failed',
      lastError: 'gave up after 3 attempts: the process was killed',
      attempts: 4,
    });
    expect(emulator.requests.slice(calls)).toEqual([]);
  });
});

describe('a called-off delete', () => {
  it('that then fails leaves the published entry its room, not a failed job', async () => {
    const { documentId, roomId } = await published(GROUP, 'Called off then refused');
    emulator.configure({
      latencyMs: 600,
      faults: [{ kind: 'status', status: 403, path: '/delete' }],
    });
    await documents(GROUP).unpublish({ documentId });
    await whileRunning(documentId);
    await documents(GROUP).publish({ documentId });
    await settle(pg.strapi);

    expect(await linkOf(documentId)).toMatchObject({
      operation: 'sync',
      status: 'created',
      roomId,
    });
    const [row] = await entryRows(pg.strapi, GROUP, documentId);
    expect(String(row.roomId)).toBe(roomId);
  });
});

describe('an entry deleted while its job runs', () => {
  it('loses its link row (the room made meanwhile stays, as onDelete keep says)', async () => {
    emulator.configure({ latencyMs: 600 });
    const doc = await draft(COMMUNITY, { name: 'Deleted meanwhile' });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await whileRunning(doc.documentId);
    await documents(COMMUNITY).delete({ documentId: doc.documentId });
    await settle(pg.strapi);

    expect(await linkOf(doc.documentId)).toBeUndefined();
    expect(roomsNamed('Deleted meanwhile')).toHaveLength(1);
  });
});

describe('a room id the entry carries on its first publish', () => {
  it('is not adopted by default: the entry gets its own room, room 42 is left alone', async () => {
    const { roomId: otherRoom } = await published(COMMUNITY, 'Somebody else');
    const requests = emulator.requests.length;
    const doc = await draft(COMMUNITY, { name: 'Carrier', roomId: otherRoom });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    const [mine] = roomsNamed('Carrier');
    expect(String(mine.room_id)).not.toBe(otherRoom);
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    for (const row of rows) expect(String(row.roomId)).toBe(String(mine.room_id));
    const touched = emulator.requests
      .slice(requests)
      .filter((request) => request.path.includes(`/room/${otherRoom}/`));
    expect(touched).toEqual([]);
    // The other entry still owns its room.
    expect(roomsNamed('Somebody else')).toHaveLength(1);
  });
});

describe('room events', () => {
  it('one event per change, after commit: created, updated, deleted, failed', async () => {
    const seen: Array<{ event: string; payload: Record<string, unknown> }> = [];
    const names = ['created', 'updated', 'deleted', 'failed'].map(
      (kind) => `iflychat-room.${kind}`
    );
    const listeners = names.map((event) => {
      const listener = (payload: Record<string, unknown>) => {
        seen.push({ event, payload });
        return Promise.resolve();
      };
      pg.strapi.eventHub.on(event, listener);
      return () => pg.strapi.eventHub.off(event, listener);
    });
    try {
      const { documentId, roomId } = await published(GROUP, 'Eventful');
      await documents(GROUP).update({ documentId, data: { name: 'Eventful, renamed' } as never });
      await documents(GROUP).publish({ documentId });
      await settle(pg.strapi);
      await documents(GROUP).unpublish({ documentId });
      await settle(pg.strapi);
      const refused = await draft(GROUP, { name: 'No audience', audience: null });
      await documents(GROUP).publish({ documentId: refused.documentId });
      await settle(pg.strapi);

      const mine = (id: string) => seen.filter((item) => item.payload.documentId === id);
      expect(mine(documentId)).toEqual([
        {
          event: 'iflychat-room.created',
          payload: { uid: GROUP, documentId, locale: null, roomId },
        },
        {
          event: 'iflychat-room.updated',
          payload: { uid: GROUP, documentId, locale: null, roomId },
        },
        {
          event: 'iflychat-room.deleted',
          payload: { uid: GROUP, documentId, locale: null, roomId },
        },
      ]);
      const failed = mine(refused.documentId);
      expect(failed).toHaveLength(1);
      expect(failed[0].event).toBe('iflychat-room.failed');
      expect(failed[0].payload).toMatchObject({ roomId: null, locale: null });
      expect(String(failed[0].payload.reason)).toContain('audience');
    } finally {
      for (const off of listeners) off();
    }
  });
});
