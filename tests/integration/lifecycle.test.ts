/**
 * The room follows its entry after the first publish: unpublish and delete with the binding's
 * `keep` / `delete` policies, discarding a draft, a delete that fails and is retried, and a
 * publish that calls off a delete not yet made. Real Strapi, SQLite and HTTP to the emulator.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
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
let admin: Awaited<ReturnType<typeof adminSession>>;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      maxAttempts: 3,
      retryBaseDelayMs: 50,
      retryMaxDelayMs: 100,
      contentTypes: {
        // Community keeps its rooms (the default policies); Group deletes them.
        [COMMUNITY]: FULL_BINDING,
        [GROUP]: { ...FULL_BINDING, onUnpublish: 'delete', onDelete: 'delete' },
      },
    }),
  });
  admin = await adminSession(pg);
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

beforeEach(() => emulator.configure({ faults: [] }));

async function publishedEntry(uid: string, name: string) {
  const documents = pg.strapi.documents(uid as typeof COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  const [row] = await entryRows(pg.strapi, uid, doc.documentId);
  expect(row.roomId).toBeTruthy();
  return { documentId: doc.documentId, roomId: String(row.roomId) };
}

const linkOf = async (documentId: string) =>
  (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === documentId);
const deletesOf = (roomId: string) => emulator.requestsTo(`/room/${roomId}/delete`);
const roomExists = (roomId: string) =>
  emulator.rooms.some((room) => String(room.room_id) === roomId);

describe("onUnpublish: 'keep' (the default)", () => {
  it('keeps the room and its id on the draft, and calls nothing', async () => {
    const { documentId, roomId } = await publishedEntry(COMMUNITY, 'Keep on unpublish');
    const calls = emulator.requests.length;

    await pg.strapi.documents(COMMUNITY).unpublish({ documentId });
    await settle(pg.strapi);

    expect(emulator.requests.length).toBe(calls);
    expect(roomExists(roomId)).toBe(true);
    const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
    expect(rows).toHaveLength(1);
    expect(String(rows[0].roomId)).toBe(roomId);
    expect((await linkOf(documentId))?.status).toBe('created');
  });

  it('publishing again reuses the kept room', async () => {
    const { documentId, roomId } = await publishedEntry(COMMUNITY, 'Keep and come back');
    await pg.strapi.documents(COMMUNITY).unpublish({ documentId });
    await settle(pg.strapi);
    const creates = emulator.requestsTo('/room/create').length;

    await pg.strapi.documents(COMMUNITY).publish({ documentId });
    await settle(pg.strapi);

    expect(emulator.requestsTo('/room/create').length).toBe(creates);
    for (const row of await entryRows(pg.strapi, COMMUNITY, documentId)) {
      expect(String(row.roomId)).toBe(roomId);
    }
  });
});

describe("onUnpublish: 'delete'", () => {
  it('deletes the room, clears the id on the draft and forgets the link (Content Manager API)', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Delete on unpublish');

    const response = await admin.post(
      `/content-manager/collection-types/${GROUP}/${documentId}/actions/unpublish`
    );
    expect(response.status).toBe(200);
    await settle(pg.strapi);

    expect(deletesOf(roomId)).toHaveLength(1);
    expect(deletesOf(roomId)[0].body.api_key).toBe(emulator.apiKey);
    expect(roomExists(roomId)).toBe(false);
    const rows = await entryRows(pg.strapi, GROUP, documentId);
    expect(rows).toHaveLength(1);
    expect(rows[0].publishedAt).toBeNull();
    expect(rows[0].roomId).toBeNull();
    expect(await linkOf(documentId)).toBeUndefined();
    expect(pg.logs.some((line) => line.includes(`room ${roomId} deleted`))).toBe(true);
  });

  it('a new publish after the delete gets a new room', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Gone and back');
    await pg.strapi.documents(GROUP).unpublish({ documentId });
    await settle(pg.strapi);

    await pg.strapi.documents(GROUP).publish({ documentId });
    await settle(pg.strapi);

    const rows = await entryRows(pg.strapi, GROUP, documentId);
    expect(rows.every((row) => row.roomId && String(row.roomId) !== roomId)).toBe(true);
    expect(emulator.rooms.filter((room) => room.room_name === 'Gone and back')).toHaveLength(1);
  });

  it('a delete that fails for a passing reason is retried until the room is gone', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Retry the delete');
    emulator.configure({ faults: [{ kind: 'status', status: 503, path: '/delete', times: 1 }] });

    await pg.strapi.documents(GROUP).unpublish({ documentId });

    await waitFor(async () => !(await linkOf(documentId)));
    expect(deletesOf(roomId)).toHaveLength(2);
    expect(deletesOf(roomId)[0].outcome).toContain('503');
    expect(roomExists(roomId)).toBe(false);
    expect((await entryRows(pg.strapi, GROUP, documentId))[0].roomId).toBeNull();
  });

  it('a delete iFlyChat refuses is marked failed with the reason, and the room id stays', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Refused delete');
    emulator.configure({
      faults: [
        { kind: 'status', status: 400, path: '/delete', body: '{"error":"room is locked"}' },
      ],
    });

    await pg.strapi.documents(GROUP).unpublish({ documentId });
    const link = await waitFor(async () => {
      const row = await linkOf(documentId);
      return row?.status === 'failed' ? row : null;
    });

    expect(link.lastError).toContain('HTTP 400');
    // In the plugin's words: what the other server answered is not relayed.
    expect(link.lastError).not.toContain('room is locked');
    expect(link.lastError).not.toContain(emulator.apiKey);
    expect(roomExists(roomId)).toBe(true);
    expect(String((await entryRows(pg.strapi, GROUP, documentId))[0].roomId)).toBe(roomId);
    expect(pg.logs.some((line) => line.includes('could not delete the room of'))).toBe(true);
  });

  it('publishing again before the delete is made calls it off and keeps the one room', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Changed my mind');
    // Every delete fails for a passing reason: the row keeps retrying it.
    emulator.configure({ faults: [{ kind: 'status', status: 503, path: '/delete' }] });
    await pg.strapi.documents(GROUP).unpublish({ documentId });
    await waitFor(async () =>
      ['retrying', 'failed'].includes(String((await linkOf(documentId))?.status))
    );

    await pg.strapi.documents(GROUP).publish({ documentId });
    await settle(pg.strapi);
    emulator.configure({ faults: [] });
    // A delete that was running when the publish came in may end in a retry first: the row is
    // then behind, and its next run keeps the room.
    await waitFor(async () => {
      const row = await linkOf(documentId);
      return row?.status === 'created' && row.doneSeq === row.wantSeq;
    });

    // Only the attempts made before the publish: none got through, none came after.
    expect(deletesOf(roomId).length).toBeGreaterThan(0);
    for (const call of deletesOf(roomId)) expect(call.outcome).toContain('503');

    const link = await linkOf(documentId);
    expect(link?.status).toBe('created');
    expect(String(link?.roomId)).toBe(roomId);
    expect(roomExists(roomId)).toBe(true);
    expect(emulator.rooms.filter((room) => room.room_name === 'Changed my mind')).toHaveLength(1);
    for (const row of await entryRows(pg.strapi, GROUP, documentId)) {
      expect(String(row.roomId)).toBe(roomId);
    }
  });
});

describe('a job running while the entry changes', () => {
  it('unpublished and published again during the create: the delete is called off', async () => {
    const release = emulator.hold('room/create');
    const documents = pg.strapi.documents(GROUP);
    const doc = await documents.create({ data: { name: 'Back and forth', audience } as never });
    await documents.publish({ documentId: doc.documentId });
    const running = await waitFor(async () => {
      const row = await linkOf(doc.documentId);
      const sent = emulator.requestsTo('room/create').length > 0;
      return row?.status === 'processing' && sent ? row : null;
    });

    await documents.unpublish({ documentId: doc.documentId });
    // The unpublish marked the row while its create runs.
    await waitFor(async () => {
      const row = await linkOf(doc.documentId);
      return row && row.wantSeq > running.wantSeq;
    });
    await documents.publish({ documentId: doc.documentId });
    release();
    await settle(pg.strapi);

    const link = await linkOf(doc.documentId);
    expect(link).toMatchObject({ status: 'created' });
    expect(link?.doneSeq).toBe(link?.wantSeq);
    const rooms = emulator.rooms.filter((room) => room.room_name === 'Back and forth');
    expect(rooms).toHaveLength(1);
    expect(String(link?.roomId)).toBe(String(rooms[0].room_id));
    expect(deletesOf(String(rooms[0].room_id))).toHaveLength(0);
  });
});

describe('onDelete', () => {
  it("'keep': the room stays in iFlyChat and the link row goes with the entry", async () => {
    const { documentId, roomId } = await publishedEntry(COMMUNITY, 'Keep on delete');
    const calls = emulator.requests.length;

    await pg.strapi.documents(COMMUNITY).delete({ documentId });
    await settle(pg.strapi);

    expect(emulator.requests.length).toBe(calls);
    expect(roomExists(roomId)).toBe(true);
    expect(await entryRows(pg.strapi, COMMUNITY, documentId)).toHaveLength(0);
    expect(await linkOf(documentId)).toBeUndefined();
  });

  it("'delete': the room is deleted in iFlyChat and the link row goes", async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Delete on delete');

    await pg.strapi.documents(GROUP).delete({ documentId });
    await settle(pg.strapi);

    expect(deletesOf(roomId)).toHaveLength(1);
    expect(roomExists(roomId)).toBe(false);
    expect(await linkOf(documentId)).toBeUndefined();
  });
});

describe('discarding a draft', () => {
  it('never touches the room', async () => {
    const { documentId, roomId } = await publishedEntry(GROUP, 'Discard me');
    await pg.strapi
      .documents(GROUP)
      .update({ documentId, data: { name: 'A draft name never published' } as never });
    const calls = emulator.requests.length;

    await pg.strapi.documents(GROUP).discardDraft({ documentId });
    await settle(pg.strapi);

    expect(emulator.requests.length).toBe(calls);
    expect(roomExists(roomId)).toBe(true);
    const rows = await entryRows(pg.strapi, GROUP, documentId);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.name).toBe('Discard me');
      expect(String(row.roomId)).toBe(roomId);
    }
    expect((await linkOf(documentId))?.status).toBe('created');
  });
});
