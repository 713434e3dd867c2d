/**
 * The reconciler's promises, each once broken: a publish during a running job is not lost,
 * `idle()` waits for publishes being marked, marks that race insert one row, a claim wins only
 * due and free rows, a poison row fails instead of running forever, an unpublish and publish
 * during a delete leave the published entry its room, a deleted entry's row goes even when its
 * run was going on, and a carried room id is not adopted blindly. Real Strapi, SQLite and HTTP
 * to the emulator.
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
      // Calls held while a test acts must not time out on a loaded machine: a timed-out call is
      // retried after a backoff, which idle() does not wait for, and the test would look early.
      timeoutMs: 10_000,
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

/**
 * Holds the calls to `fragment` and waits until this entry's job is processing and its call is
 * in flight; the returned function lets the call answer.
 */
async function whileCalling(documentId: string, fragment: string, start: () => Promise<unknown>) {
  const release = emulator.hold(fragment);
  const before = emulator.requestsTo(fragment).length;
  await start();
  await waitFor(
    async () =>
      (await linkOf(documentId))?.status === 'processing' &&
      emulator.requestsTo(fragment).length > before
  );
  return release;
}

describe('a publish while the job runs', () => {
  it('marks the job to run again: the room ends as the entry asks now (private)', async () => {
    const doc = await draft(COMMUNITY, { name: 'Open at first', isPrivate: false });
    const release = await whileCalling(doc.documentId, '/room/create', () =>
      documents(COMMUNITY).publish({ documentId: doc.documentId })
    );

    await documents(COMMUNITY).update({
      documentId: doc.documentId,
      data: { isPrivate: true } as never,
    });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    release();
    await settle(pg.strapi);

    const rooms = roomsNamed('Open at first');
    expect(rooms).toHaveLength(1);
    expect(rooms[0].room_private).toBe('1');
    const link = await linkOf(doc.documentId);
    expect(link).toMatchObject({ status: 'created', roomPrivate: true });
    expect(link?.doneSeq).toBe(link?.wantSeq);
  });
});

describe('rows claimed together', () => {
  it('each room follows its own entry (their entries are read in one query per type)', async () => {
    const publicRole = await roleId(pg.strapi, 'public');
    const wanted = [
      { uid: COMMUNITY, name: 'Batch open', isPrivate: false, audience, role: '2' },
      { uid: COMMUNITY, name: 'Batch closed', isPrivate: true, audience, role: '2' },
      { uid: COMMUNITY, name: 'Batch public', isPrivate: false, audience: publicRole, role: '1' },
      { uid: GROUP, name: 'Batch group', isPrivate: true, audience: publicRole, role: '1' },
      { uid: COMMUNITY, name: 'Batch last', isPrivate: true, audience: publicRole, role: '1' },
    ];
    const docs: Array<{ documentId: string }> = [];
    for (const { uid, name, isPrivate, audience: role } of wanted) {
      docs.push(
        await documents(uid).create({ data: { name, isPrivate, audience: role } as never })
      );
    }
    // One transaction: the marks are written together after it commits, and claimed together.
    const claims = jest.spyOn(sync().links, 'claim');
    await pg.strapi.db.transaction(async () => {
      for (const [i, doc] of docs.entries()) {
        await documents(wanted[i].uid).publish({ documentId: doc.documentId });
      }
    });
    await settle(pg.strapi);
    const won = await Promise.all(claims.mock.results.map((result) => result.value));
    claims.mockRestore();
    expect(Math.max(...won.map((rows: unknown[]) => rows.length))).toBeGreaterThan(1);

    for (const [i, { uid, name, isPrivate, role }] of wanted.entries()) {
      const rooms = roomsNamed(name);
      expect(rooms).toHaveLength(1);
      expect(rooms[0]).toMatchObject({ room_private: isPrivate ? '1' : '0', room_role: role });
      const rows = await entryRows(pg.strapi, uid, docs[i].documentId);
      for (const row of rows) expect(String(row.roomId)).toBe(String(rooms[0].room_id));
    }
  });
});

describe('a claim whose entry read fails', () => {
  it('retries its rows, and a row that ends before reading leaves no unhandled rejection', async () => {
    const done = await published(COMMUNITY, 'Read fails, done before');
    const doc = await draft(COMMUNITY, { name: 'Read fails' });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const reads = jest
      .spyOn(sync().entries, 'presentAll')
      .mockRejectedValueOnce(new Error('the database went away'));
    try {
      // A row out of attempts ends before it reads; the other is claimed with it and retried.
      await pg.strapi.db
        .connection('iflychat_room_links')
        .where('entry_document_id', done.documentId)
        .update({ want_seq: pg.strapi.db.connection.raw('want_seq + 1'), attempts: 9 });
      await documents(COMMUNITY).publish({ documentId: doc.documentId });
      await waitFor(async () => (await linkOf(doc.documentId))?.status === 'created');
      await waitFor(async () => (await linkOf(done.documentId))?.status === 'failed');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      reads.mockRestore();
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    expect(roomsNamed('Read fails')).toHaveLength(1);
    expect((await linkOf(done.documentId))?.lastError).toMatch(/gave up after 3 attempts/);
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

describe('marks', () => {
  it('two marks of an entry that has no row yet, at the same moment: one row, marked twice', async () => {
    const docs = [];
    for (const name of ['Race A', 'Race B']) docs.push(await draft(COMMUNITY, { name }));
    const targets = docs.map((doc) => ({ documentId: doc.documentId, locale: '*' }));
    const marked = await Promise.all([
      sync().links.mark(COMMUNITY, targets, { publish: true }),
      sync().links.mark(COMMUNITY, targets, { publish: true }),
    ]);
    expect(marked).toEqual([2, 2]);
    for (const doc of docs) {
      const rows = (await linkRows(pg.strapi)).filter(
        (row) => row.entryDocumentId === doc.documentId
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].wantSeq).toBeGreaterThanOrEqual(1);
    }
    // Not published: the worker makes no room for them.
    await sync().idle();
    expect(roomsNamed('Race A')).toHaveLength(0);
  });
});

describe('claims', () => {
  it('a claim wins only rows that are due and free, and knows which; a lost lease cannot be renewed', async () => {
    const table = () => pg.strapi.db.connection('iflychat_room_links');
    const keys = ['a', 'b', 'c'].map((key) => `claims-test:${key}`);
    // Due, of a type the worker has no binding for: its loop sleeps until something wakes it.
    await table().insert(
      keys.map((key) => ({
        link_key: key,
        content_type: 'api::claims.test',
        entry_document_id: key,
        entry_locale: '*',
        want_seq: 1,
        done_seq: 0,
        status: 'pending',
        attempts: 0,
        fence: 0,
        due_at_ms: 0,
      }))
    );
    try {
      const found: unknown = await table().whereIn('link_key', keys).select('id');
      const ids = (found as Array<{ id: number }>)
        .map((row) => Number(row.id))
        .sort((x, y) => x - y);
      const links = sync().links;
      // Another worker claims b first...
      const [other] = await links.claim([ids[1]], 60_000);
      expect(other).toMatchObject({ id: ids[1], fence: 1, attempts: 1, seenSeq: 1 });
      // ...then this one asks for all three: b is held by a live lease.
      const won = await links.claim(ids, 60_000);
      expect(
        won.map((job: { id: number }) => job.id).sort((x: number, y: number) => x - y)
      ).toEqual([ids[0], ids[2]]);
      expect(await links.claim(ids, 60_000)).toEqual([]);
      // A holder whose lease ran out renews nothing, and the row is due for another worker.
      await table().where('id', ids[1]).update({ lease_until_ms: 1 });
      expect(await links.renew(other, 60_000)).toBe(false);
      const [taken] = await links.claim([ids[1]], 60_000);
      expect(taken).toMatchObject({ id: ids[1], fence: 2 });
      // The first holder's writes are refused: its fence is not the row's any more.
      expect(await links.record(other, { intent: null })).toBe(false);
      expect(await links.finish(other, { status: 'created' })).toBe(false);
    } finally {
      await table().whereIn('link_key', keys).delete();
    }
  });
});

describe('poison rows', () => {
  it('a row taken over past maxAttempts is failed with its reason before any call', async () => {
    const doc = await draft(COMMUNITY, { name: 'Poison' });
    await documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    const link = await linkOf(doc.documentId);
    // As if three workers in a row had claimed it and died (maxAttempts is 3).
    await pg.strapi.db
      .connection('iflychat_room_links')
      .where('id', link!.id)
      .update({
        want_seq: Number(link!.wantSeq) + 1,
        status: 'processing',
        attempts: 3,
        last_error: 'the process was killed',
        lease_until_ms: 1,
        due_at_ms: 0,
      });
    const calls = emulator.requests.length;
    sync().wake();
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

describe('unpublished and published again while the room is being deleted', () => {
  it('a delete that then fails leaves the published entry its room, not a failed row', async () => {
    const { documentId, roomId } = await published(GROUP, 'Called off then refused');
    emulator.configure({ faults: [{ kind: 'status', status: 403, path: '/delete' }] });
    const release = await whileCalling(documentId, '/delete', () =>
      documents(GROUP).unpublish({ documentId })
    );
    await documents(GROUP).publish({ documentId });
    release();
    await settle(pg.strapi);

    expect(await linkOf(documentId)).toMatchObject({ status: 'created', roomId });
    const [row] = await entryRows(pg.strapi, GROUP, documentId);
    expect(String(row.roomId)).toBe(roomId);
  });
});

describe('an entry deleted while its job runs', () => {
  it('loses its link row (the room made meanwhile stays, as onDelete keep says)', async () => {
    const doc = await draft(COMMUNITY, { name: 'Deleted meanwhile' });
    const release = await whileCalling(doc.documentId, '/room/create', () =>
      documents(COMMUNITY).publish({ documentId: doc.documentId })
    );
    await documents(COMMUNITY).delete({ documentId: doc.documentId });
    release();
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
