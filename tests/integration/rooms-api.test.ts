/**
 * The admin API behind the Content Manager's room panel, over real HTTP: what it shows, the
 * editor's actions (retry now, unlink, link to an existing room, recreate), who may do what,
 * and a clear 400 naming the field for every bad input.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  GROUP,
  loginAs,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, { maxAttempts: 2, retryBaseDelayMs: 50 }),
  });
  admin = await adminSession(pg);
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

beforeEach(() => emulator.configure({ faults: [], latencyMs: 0 }));

async function entry(name: string, { publish = true } = {}) {
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  if (publish) await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

const status = (documentId: string, uid: string = COMMUNITY) =>
  admin.get(`/iflychat/rooms?uid=${encodeURIComponent(uid)}&documentId=${documentId}`);
const act = (action: string, body: Record<string, unknown>) =>
  admin.post(`/iflychat/rooms/${action}`, { uid: COMMUNITY, ...body });
const roomIdsOnEntry = async (documentId: string) =>
  [...new Set((await entryRows(pg.strapi, COMMUNITY, documentId)).map((row) => row.roomId))].map(
    (id) => (id === null ? null : String(id))
  );
const fieldErrors = (response: { json: any }) =>
  (response.json?.error?.details?.errors ?? []) as Array<{ path: string[]; message: string }>;

describe('GET /iflychat/rooms', () => {
  it('shows a created room: id, status, name and last sync time', async () => {
    const documentId = await entry('Panel shows');
    const response = await status(documentId);
    expect(response.status).toBe(200);
    const room = emulator.rooms.find((candidate) => candidate.room_name === 'Panel shows');
    expect(response.json.data).toMatchObject({
      uid: COMMUNITY,
      documentId,
      bound: true,
      roomPer: 'document',
      locale: null,
      published: true,
      link: {
        operation: 'sync',
        status: 'created',
        roomId: String(room?.room_id),
        roomName: 'Panel shows',
        attempts: 1,
        lastError: null,
      },
    });
    expect(Date.parse(response.json.data.link.syncedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('shows nothing to do for a draft, and "not bound" for an unbound type', async () => {
    const documentId = await entry('Just a draft', { publish: false });
    expect((await status(documentId)).json.data).toMatchObject({ published: false, link: null });

    const group = await pg.strapi.documents(GROUP).create({ data: { name: 'Unbound' } as never });
    const unbound = await status(group.documentId, GROUP);
    expect(unbound.status).toBe(200);
    expect(unbound.json.data).toMatchObject({ bound: false, link: null });
  });

  it("shows a failed job with its reason, in the plugin's words: never the remote answer", async () => {
    const answer = 'Quota reached: upgrade at https://offers.example/now';
    emulator.configure({
      faults: [{ kind: 'status', status: 400, path: '/room/create', body: answer }],
    });
    const failures: Array<{ reason?: string }> = [];
    const listener = async (payload: { reason?: string }) => {
      failures.push(payload);
      await Promise.resolve();
    };
    pg.strapi.eventHub.on('iflychat-room.failed', listener);
    try {
      const documentId = await entry('Refused room');
      const response = await status(documentId);
      const { link } = response.json.data;
      expect(link.status).toBe('failed');
      expect(link.roomId).toBeNull();
      expect(link.lastError).toBe(
        'iFlyChat rejected the request (HTTP 400 on /api/1.1/room/create)'
      );
      expect(response.text).not.toContain('Quota');
      const [row] = (await pg.strapi.db
        .connection('iflychat_room_links')
        .where('entry_document_id', documentId)) as Array<{ last_error: string }>;
      expect(row.last_error).not.toContain('offers.example');
      // The room event a webhook sends carries the same words.
      await waitFor(() => failures.length > 0);
      expect(failures[0].reason).toBe(link.lastError);
    } finally {
      pg.strapi.eventHub.removeListener('iflychat-room.failed', listener);
    }
  });

  it('answers 400 naming the field for bad input', async () => {
    const missing = await admin.get('/iflychat/rooms?documentId=abc');
    expect(missing.status).toBe(400);
    expect(fieldErrors(missing).map((error) => error.path)).toContainEqual(['uid']);

    const badUid = await admin.get('/iflychat/rooms?uid=community&documentId=abc');
    expect(badUid.status).toBe(400);
    expect(fieldErrors(badUid)[0]).toMatchObject({
      path: ['uid'],
      message: expect.stringContaining('content type uid'),
    });
  });
});

describe('POST /iflychat/rooms/retry', () => {
  it('runs a failed job again at once, and the room appears', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 400, path: '/room/create' }] });
    const documentId = await entry('Retry me');
    expect((await status(documentId)).json.data.link.status).toBe('failed');
    emulator.configure({ faults: [] });

    const response = await act('retry', { documentId });
    expect(response.status).toBe(200);
    expect(['pending', 'processing', 'created']).toContain(response.json.data.link.status);
    await settle(pg.strapi);

    const { link } = (await status(documentId)).json.data;
    const room = emulator.rooms.find((candidate) => candidate.room_name === 'Retry me');
    expect(link).toMatchObject({
      status: 'created',
      roomId: String(room?.room_id),
      lastError: null,
    });
    expect(await roomIdsOnEntry(documentId)).toEqual([String(room?.room_id)]);
  });

  it('refuses a draft that was never published, naming the entry', async () => {
    const documentId = await entry('Draft retry', { publish: false });
    const response = await act('retry', { documentId });
    expect(response.status).toBe(400);
    expect(fieldErrors(response)[0]).toMatchObject({
      path: ['documentId'],
      message: expect.stringContaining('not published'),
    });
  });

  it('refuses an entry that does not exist and a type that is not bound', async () => {
    const unknown = await act('retry', { documentId: 'nosuchdocument0000000000' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ status: 404, name: 'NotFoundError' });

    const unbound = await admin.post('/iflychat/rooms/retry', { uid: GROUP, documentId: 'x' });
    expect(unbound.status).toBe(400);
    expect(fieldErrors(unbound)[0]).toMatchObject({
      path: ['uid'],
      message: expect.stringContaining('not bound'),
    });
  });
});

describe('POST /iflychat/rooms/unlink', () => {
  it('forgets the room without deleting it; Retry now then makes a new one', async () => {
    const documentId = await entry('Unlink me');
    const [roomId] = await roomIdsOnEntry(documentId);
    const calls = emulator.requests.length;

    const response = await act('unlink', { documentId });
    expect(response.status).toBe(200);
    expect(response.json.data.link).toBeNull();
    expect(emulator.requests.length).toBe(calls);
    expect(emulator.rooms.some((room) => String(room.room_id) === roomId)).toBe(true);
    expect(await roomIdsOnEntry(documentId)).toEqual([null]);

    // The audit looks for published entries without a room: an unlinked entry is not one.
    await pg.strapi.plugin('iflychat').service('sync').audit();
    await settle(pg.strapi);
    // (Other entries' rows may be retried meanwhile: only this entry's calls count.)
    const mine = emulator.requests
      .slice(calls)
      .filter(
        (request) =>
          request.body.room_name === 'Unlink me' || request.path.includes(`/room/${roomId}/`)
      );
    expect(mine).toEqual([]);
    expect(await roomIdsOnEntry(documentId)).toEqual([null]);

    await act('retry', { documentId });
    await settle(pg.strapi);
    const [again] = await roomIdsOnEntry(documentId);
    expect(again).toMatch(/^\d+$/);
    expect(again).not.toBe(roomId);
  });

  it("an editor's stale form does not bring the unlinked room back", async () => {
    const documentId = await entry('Stale form');
    const [roomId] = await roomIdsOnEntry(documentId);
    await act('unlink', { documentId });

    // The Content Manager form still holds the room id it loaded; saving sends it back.
    const documents = pg.strapi.documents(COMMUNITY);
    await documents.update({ documentId, data: { description: 'edited', roomId } as never });
    await settle(pg.strapi);
    await waitFor(async () => (await roomIdsOnEntry(documentId)).every((id) => id === null));

    await documents.update({ documentId, data: { roomId } as never });
    await documents.publish({ documentId });
    await settle(pg.strapi);
    const [now] = await roomIdsOnEntry(documentId);
    expect(now).toMatch(/^\d+$/);
    expect(now).not.toBe(roomId);
    expect((await status(documentId)).json.data.link.roomId).toBe(now);
  });

  it('a draft save puts the room id back when it was changed by hand', async () => {
    const documentId = await entry('Hand edited');
    const [roomId] = await roomIdsOnEntry(documentId);

    await pg.strapi.documents(COMMUNITY).update({ documentId, data: { roomId: 424242 } as never });
    await waitFor(async () => (await roomIdsOnEntry(documentId)).every((id) => id === roomId));
    expect(await roomIdsOnEntry(documentId)).toEqual([roomId]);
  });

  it('answers 409 while the room is being worked on', async () => {
    const release = emulator.hold('room/create');
    const documents = pg.strapi.documents(COMMUNITY);
    const doc = await documents.create({ data: { name: 'Busy room', audience } as never });
    await documents.publish({ documentId: doc.documentId });
    await waitFor(async () => {
      const { link } = (await status(doc.documentId)).json.data;
      return link?.status === 'processing' && emulator.requestsTo('room/create').length > 0;
    });

    const response = await act('unlink', { documentId: doc.documentId });
    release();
    expect(response.status).toBe(409);
    expect(response.json.error.message).toContain('being worked on');
    await settle(pg.strapi);
    expect((await status(doc.documentId)).json.data.link.status).toBe('created');
  });
});

describe('POST /iflychat/rooms/link', () => {
  it('links an existing room, checked with iFlyChat, and records its name', async () => {
    const documentId = await entry('Will be relinked');
    await act('unlink', { documentId });
    const other = await entry('Room to adopt');
    const [adoptable] = await roomIdsOnEntry(other);
    await act('unlink', { documentId: other });
    // The worker done with both unlinks: none of its runs takes the linked row before the answer
    // shows what Link recorded (it edits the room to the entry's name afterwards).
    await settle(pg.strapi);

    const response = await act('link', { documentId, roomId: Number(adoptable) });
    expect(response.status).toBe(200);
    expect(response.json.data.link).toMatchObject({
      status: 'created',
      roomId: adoptable,
      roomName: 'Room to adopt',
    });
    expect(await roomIdsOnEntry(documentId)).toEqual([adoptable]);
  });

  it('two editors linking one room to two entries at once: one wins, the other is told', async () => {
    const first = await entry('Race one');
    const second = await entry('Race two');
    await act('unlink', { documentId: first });
    await act('unlink', { documentId: second });
    const free = await entry('Free room');
    const [roomId] = await roomIdsOnEntry(free);
    await act('unlink', { documentId: free });

    const answers = await Promise.all([
      act('link', { documentId: first, roomId }),
      act('link', { documentId: second, roomId }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const refused = answers.find((answer) => answer.status === 400);
    expect(fieldErrors(refused!)[0]).toMatchObject({
      path: ['roomId'],
      message: `room ${roomId} is another entry's room`,
    });
    const holders = [await roomIdsOnEntry(first), await roomIdsOnEntry(second)].filter(
      ([id]) => id === roomId
    );
    expect(holders).toHaveLength(1);
  });

  it('refuses a malformed id, an unknown room and a room another entry owns', async () => {
    const documentId = await entry('Link refusals');
    const owned = (await roomIdsOnEntry(await entry('Owner entry')))[0];

    const malformed = await act('link', { documentId, roomId: 'abc' });
    expect(malformed.status).toBe(400);
    expect(fieldErrors(malformed)[0]).toMatchObject({
      path: ['roomId'],
      message: expect.stringContaining('iFlyChat room id'),
    });

    const unknown = await act('link', { documentId, roomId: '999999' });
    expect(unknown.status).toBe(400);
    expect(fieldErrors(unknown)[0]).toMatchObject({
      path: ['roomId'],
      message: 'iFlyChat has no room 999999',
    });

    const taken = await act('link', { documentId, roomId: owned });
    expect(taken.status).toBe(400);
    expect(fieldErrors(taken)[0]).toMatchObject({
      path: ['roomId'],
      message: `room ${owned} is another entry's room`,
    });
    // The owning entry is not named: the editor may not be allowed to see it.
    expect(taken.text).not.toContain(COMMUNITY);
    expect(taken.text).not.toContain(emulator.apiKey);
  });
});

describe('POST /iflychat/rooms/recreate', () => {
  it('deletes the room and makes a new one for the entry', async () => {
    const documentId = await entry('Recreate me');
    const [old] = await roomIdsOnEntry(documentId);

    const response = await act('recreate', { documentId });
    expect(response.status).toBe(200);
    expect(response.json.data.link.operation).toBe('recreate');
    await settle(pg.strapi);

    expect(emulator.requestsTo(`/room/${old}/delete`)).toHaveLength(1);
    const rooms = emulator.rooms.filter((room) => room.room_name === 'Recreate me');
    expect(rooms).toHaveLength(1);
    expect(String(rooms[0].room_id)).not.toBe(old);
    expect(await roomIdsOnEntry(documentId)).toEqual([String(rooms[0].room_id)]);
    expect((await status(documentId)).json.data.link).toMatchObject({
      operation: 'sync',
      status: 'created',
    });
  });

  it('keeps the room when the entry cannot get a new one', async () => {
    const documentId = await entry('Recreate refused');
    const [old] = await roomIdsOnEntry(documentId);
    // The entry is published again without an audience: no role to send any more.
    const documents = pg.strapi.documents(COMMUNITY);
    await documents.update({ documentId, data: { audience: null } as never });
    await documents.publish({ documentId });
    await settle(pg.strapi);

    await act('recreate', { documentId });
    await settle(pg.strapi);

    expect(emulator.requestsTo(`/room/${old}/delete`)).toHaveLength(0);
    const { link } = (await status(documentId)).json.data;
    expect(link).toMatchObject({ status: 'failed', roomId: old });
    expect(link.lastError).toContain('the room was kept');
  });

  it('makes the room even when the old one is already gone from iFlyChat', async () => {
    const documentId = await entry('Recreate lost');
    const [old] = await roomIdsOnEntry(documentId);
    await fetch(`${emulator.url}/api/1.1/room/${old}/delete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: emulator.apiKey }),
    });

    await act('recreate', { documentId });
    await settle(pg.strapi);

    const [now] = await roomIdsOnEntry(documentId);
    expect(now).toMatch(/^\d+$/);
    expect(now).not.toBe(old);
  });
});

describe('who may see and act', () => {
  it('an editor sees the panel but may not act without rooms.manage', async () => {
    const documentId = await entry('Editor view');
    const editor = await loginAs(
      pg,
      await createAdminUser(pg, 'editor-rooms@example.com', ['strapi-editor'])
    );
    const seen = await editor.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${documentId}`);
    expect(seen.status).toBe(200);
    expect(seen.json.data.link.status).toBe('created');
    for (const action of ['retry', 'unlink', 'recreate']) {
      const response = await editor.post(`/iflychat/rooms/${action}`, {
        uid: COMMUNITY,
        documentId,
      });
      expect(response.status).toBe(403);
    }
  });

  it('acting needs Content Manager update on the type as well as rooms.manage', async () => {
    const documentId = await entry('Read-only manager');
    const role = (await pg.strapi.service('admin::role').create({
      name: 'Room watcher',
      description: 'reads communities and manages rooms, edits nothing',
    })) as { id: number };
    await pg.strapi.service('admin::role').assignPermissions(role.id, [
      { action: 'plugin::content-manager.explorer.read', subject: COMMUNITY },
      { action: 'plugin::iflychat.rooms.manage', subject: null },
    ]);
    const watcher = await loginAs(
      pg,
      await createAdminUser(pg, 'watcher-rooms@example.com', [role.id])
    );

    const seen = await watcher.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${documentId}`);
    expect(seen.status).toBe(200);
    const refused = await watcher.post('/iflychat/rooms/unlink', { uid: COMMUNITY, documentId });
    expect(refused.status).toBe(403);
    // Strapi's own 403: its router answers every ForbiddenError with the same message.
    expect(refused.json.error).toMatchObject({ status: 403, name: 'ForbiddenError' });
  });

  it('a user who may not read the content type sees nothing', async () => {
    const documentId = await entry('Hidden from outsiders');
    const role = (await pg.strapi.service('admin::role').create({
      name: 'No content',
      description: 'no permissions at all',
    })) as { id: number };
    const outsider = await loginAs(
      pg,
      await createAdminUser(pg, 'outsider-rooms@example.com', [role.id])
    );
    const response = await outsider.get(
      `/iflychat/rooms?uid=${COMMUNITY}&documentId=${documentId}`
    );
    expect(response.status).toBe(403);
    expect(response.json.data).toBeNull();
  });
});
