/**
 * The Rooms page's admin API over real HTTP: every entry's room on one list (filters, search,
 * sorting, paging), the CSV export, Retry failed in bulk and the orphan rooms, with 400 naming
 * the field for bad input and 403 for an admin without the permission. Written as the attack
 * where it is one: an Editor, an admin who may see the page but not act, a title that is a
 * spreadsheet formula, a room an entry owns sent to the orphan delete, and a hostile rooms/list.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  loginAs,
  playgroundConfig,
  roleId,
  settle,
  type Playground,
} from '../helpers/playground';

const READ_ROOMS = { action: 'plugin::iflychat.rooms.read', subject: null };
const MANAGE_ROOMS = { action: 'plugin::iflychat.rooms.manage', subject: null };

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, { maxAttempts: 1, retryBaseDelayMs: 50 }),
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

const list = (query = '') => admin.get(`/iflychat/rooms/list?${query}`);
const fieldErrors = (response: { json: any }) =>
  (response.json?.error?.details?.errors ?? []) as Array<{ path: string[]; message: string }>;
const rowOf = (rows: any[], documentId: string) =>
  rows.find((row: { documentId: string }) => row.documentId === documentId);

/** A room made in iFlyChat outside Strapi (no entry owns it). */
async function remoteRoom(name: string): Promise<string> {
  const response = await fetch(`${emulator.url}/api/1.1/room/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      api_key: emulator.apiKey,
      room_name: name,
      room_role: '0',
      room_private: '0',
      room_moderate: '0',
    }),
  });
  return String(((await response.json()) as { room_id: number }).room_id);
}

async function adminWith(email: string, permissions: unknown[]) {
  const role = (await pg.strapi.service('admin::role').create({
    name: email,
    description: email,
  })) as { id: number };
  await pg.strapi.service('admin::role').assignPermissions(role.id, permissions);
  return loginAs(pg, await createAdminUser(pg, email, [role.id]));
}

let ok: string;
let failed: string;
let draft: string;
let unpublished: string;

beforeAll(async () => {
  ok = await entry('Alpha lounge');
  emulator.configure({ faults: [{ kind: 'status', status: 400, path: '/room/create' }] });
  failed = await entry('=HYPERLINK("http://evil.example")');
  emulator.configure({ faults: [] });
  draft = await entry('Draft only', { publish: false });
  unpublished = await entry('Closed club');
  await pg.strapi.documents(COMMUNITY).unpublish({ documentId: unpublished });
  await settle(pg.strapi);
});

describe('GET /iflychat/rooms/list', () => {
  it("lists every entry's room: type, title, room id, status, attempts, reason, last sync", async () => {
    const response = await list();
    expect(response.status).toBe(200);
    const rows = response.json.data;
    const room = emulator.rooms.find((candidate) => candidate.room_name === 'Alpha lounge');
    expect(rowOf(rows, ok)).toMatchObject({
      uid: COMMUNITY,
      typeName: 'Community',
      kind: 'collectionType',
      title: 'Alpha lounge',
      locale: null,
      published: true,
      roomId: String(room?.room_id),
      status: 'created',
      attempts: 1,
      lastError: null,
    });
    expect(Date.parse(rowOf(rows, ok).syncedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(rowOf(rows, failed)).toMatchObject({ status: 'failed', roomId: null });
    expect(rowOf(rows, failed).lastError).toContain('HTTP 400');
    expect(rowOf(rows, draft)).toBeUndefined();
    expect(response.json.meta.pagination).toEqual({
      page: 1,
      pageSize: 25,
      pageCount: 1,
      total: 3,
    });
  });

  it('filters: failed, no room, unpublished with a room', async () => {
    const ids = async (filter: string) =>
      ((await list(`filter=${filter}`)).json.data as Array<{ documentId: string }>).map(
        (row) => row.documentId
      );
    expect(await ids('failed')).toEqual([failed]);
    expect(await ids('retrying')).toEqual([]);
    expect(await ids('noRoom')).toEqual([failed]);
    expect(await ids('unpublishedWithRoom')).toEqual([unpublished]);
  });

  it('searches room names, room ids and document ids; % and _ match only themselves', async () => {
    const names = async (q: string) =>
      ((await list(`q=${encodeURIComponent(q)}`)).json.data as Array<{ title: string }>).map(
        (row) => row.title
      );
    expect(await names('alpha')).toEqual(['Alpha lounge']);
    const roomId = rowOf((await list()).json.data, unpublished).roomId as string;
    expect(await names(roomId)).toEqual(['Closed club']);
    expect((await list(`q=${failed}`)).json.data).toHaveLength(1);
    expect(await names('%')).toEqual([]);
  });

  it('sorts and pages on the server', async () => {
    const byStatus = (await list('sort=status&order=asc')).json.data as Array<{ status: string }>;
    expect(byStatus.map((row) => row.status)).toEqual(['created', 'created', 'failed']);
    const second = await list('sort=id&order=asc&page=2&pageSize=1');
    expect(second.json.data.map((row: { documentId: string }) => row.documentId)).toEqual([failed]);
    expect(second.json.meta.pagination).toEqual({ page: 2, pageSize: 1, pageCount: 3, total: 3 });
  });

  it('shows the room of a content type that no longer exists as unpublished with a room', async () => {
    const gone = 'api::gone.gone';
    await pg.strapi.db.connection('iflychat_room_links').insert({
      link_key: `${gone}:gonedoc:*`,
      content_type: gone,
      entry_document_id: 'gonedoc',
      entry_locale: '*',
      want_seq: 1,
      done_seq: 1,
      status: 'created',
      unlinked: false,
      room_id: '424242',
      attempts: 1,
      fence: 0,
      due_at_ms: 0,
    });
    try {
      const response = await list('filter=unpublishedWithRoom');
      expect(response.json.data.map((row: { documentId: string }) => row.documentId)).toEqual([
        'gonedoc',
        unpublished,
      ]);
      expect(rowOf(response.json.data, 'gonedoc')).toMatchObject({
        uid: gone,
        typeName: gone,
        kind: null,
        title: null,
        published: null,
        roomId: '424242',
      });
      const ofCommunity = await list(`filter=unpublishedWithRoom&uid=${COMMUNITY}`);
      expect(ofCommunity.json.data.map((row: { documentId: string }) => row.documentId)).toEqual([
        unpublished,
      ]);
    } finally {
      await pg.strapi.db.connection('iflychat_room_links').where('content_type', gone).delete();
    }
  });

  it("a translated type: unpublished in the room's locale, or in every locale for a shared room", async () => {
    const TOPIC = 'api::topic.topic';
    const topics = pg.strapi.documents(TOPIC as never);
    // A: published in English, French only a draft. B: never published.
    const a = await topics.create({ locale: 'en', data: { title: 'Films' } as never });
    await topics.update({
      documentId: a.documentId,
      locale: 'fr',
      data: { title: 'Films' } as never,
    });
    await topics.publish({ documentId: a.documentId, locale: 'en' });
    const b = await topics.create({ locale: 'en', data: { title: 'Books' } as never });
    const rooms: Array<[string, string, string]> = [
      [a.documentId, '*', '9001'],
      [a.documentId, 'en', '9002'],
      [a.documentId, 'fr', '9003'],
      [b.documentId, '*', '9004'],
      [b.documentId, 'en', '9005'],
    ];
    await pg.strapi.db.connection('iflychat_room_links').insert(
      rooms.map(([documentId, locale, roomId]) => ({
        link_key: `${TOPIC}:${documentId}:${locale}`,
        content_type: TOPIC,
        entry_document_id: documentId,
        entry_locale: locale,
        want_seq: 1,
        done_seq: 1,
        status: 'created',
        unlinked: false,
        room_id: roomId,
        attempts: 1,
        fence: 0,
        due_at_ms: 0,
      }))
    );
    try {
      const response = await list(`filter=unpublishedWithRoom&uid=${TOPIC}&sort=roomId&order=asc`);
      expect(response.json.data.map((row: { roomId: string }) => row.roomId)).toEqual([
        '9003',
        '9004',
        '9005',
      ]);
      expect(response.json.meta.pagination.total).toBe(3);
      // Every type at once; the count is the same on a page and past the last one.
      const all = await list('filter=unpublishedWithRoom&pageSize=2&page=2');
      expect(all.json.data).toHaveLength(2);
      expect(all.json.meta.pagination.total).toBe(4);
      const past = await list('filter=unpublishedWithRoom&pageSize=2&page=3');
      expect(past.json.data).toEqual([]);
      expect(past.json.meta.pagination.total).toBe(4);
    } finally {
      await pg.strapi.db.connection('iflychat_room_links').where('content_type', TOPIC).delete();
    }
  });

  it('answers 400 naming the field for bad input', async () => {
    for (const [query, field] of [
      ['filter=everything', 'filter'],
      ['sort=password', 'sort'],
      ['order=up', 'order'],
      ['page=0', 'page'],
      ['pageSize=1000', 'pageSize'],
      ['pageSize=abc', 'pageSize'],
      ['uid=community', 'uid'],
      [`q=${'x'.repeat(101)}`, 'q'],
    ]) {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect(fieldErrors(response).map((error) => error.path)).toContainEqual([field]);
    }
  });
});

describe('GET /iflychat/rooms/export', () => {
  it('exports the filtered rows as CSV, a formula kept as text', async () => {
    const response = await admin.get('/iflychat/rooms/export?filter=failed');
    expect(response.status).toBe(200);
    const lines = response.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'type,documentId,locale,title,published,roomId,status,attempts,lastReason,lastSync'
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${COMMUNITY},${failed},,"'=HYPERLINK(""http://evil.example"")"`);
    expect(lines[1]).toContain(',failed,');
  });
});

describe('POST /iflychat/rooms/retry-failed', () => {
  it('runs every failed room again, and the room appears', async () => {
    const response = await admin.post('/iflychat/rooms/retry-failed', {});
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual({ retried: 1, busy: 0, remaining: 0 });
    await settle(pg.strapi);
    const row = rowOf((await list()).json.data, failed);
    expect(row).toMatchObject({ status: 'created', lastError: null });
    expect(String((await entryRows(pg.strapi, COMMUNITY, failed))[0].roomId)).toBe(row.roomId);
    expect((await list('filter=failed')).json.data).toEqual([]);
  });

  it('answers 400 naming the field for a bad uid', async () => {
    const response = await admin.post('/iflychat/rooms/retry-failed', { uid: 'x' });
    expect(response.status).toBe(400);
    expect(fieldErrors(response)[0].path).toEqual(['uid']);
  });
});

describe('orphan rooms', () => {
  it('lists the rooms no entry owns, and deletes one', async () => {
    const orphan = await remoteRoom('Left behind');
    const response = await admin.get('/iflychat/rooms/orphans');
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual([
      { roomId: orphan, name: 'Left behind', role: '0', private: false },
    ]);
    expect(response.json.meta).toEqual({ total: emulator.rooms.length, orphans: 1 });

    const deleted = await admin.post('/iflychat/rooms/orphans/delete', { roomId: orphan });
    expect(deleted.status).toBe(200);
    expect(deleted.json.data).toEqual({ roomId: orphan });
    expect(emulator.rooms.some((room) => String(room.room_id) === orphan)).toBe(false);
    expect(emulator.requestsTo(`/room/${orphan}/delete`)).toHaveLength(1);
    expect((await admin.get('/iflychat/rooms/orphans')).json.data).toEqual([]);
  });

  it("lists a deleted entry's kept room, and deletes it; an unlinked entry's room is still its own", async () => {
    const gone = await entry('Deleted but kept');
    const goneRoom = rowOf((await list()).json.data, gone).roomId as string;
    await pg.strapi.documents(COMMUNITY).delete({ documentId: gone });
    const unlinked = await entry('Unlinked, may link again');
    const unlinkedRoom = rowOf((await list()).json.data, unlinked).roomId as string;
    expect(
      (await admin.post('/iflychat/rooms/unlink', { uid: COMMUNITY, documentId: unlinked })).status
    ).toBe(200);
    await settle(pg.strapi);

    const ids = (await admin.get('/iflychat/rooms/orphans')).json.data.map(
      (room: { roomId: string }) => room.roomId
    );
    expect(ids).toContain(goneRoom);
    expect(ids).not.toContain(unlinkedRoom);
    const deleted = await admin.post('/iflychat/rooms/orphans/delete', { roomId: goneRoom });
    expect(deleted.status).toBe(200);
    expect(emulator.rooms.some((room) => String(room.room_id) === goneRoom)).toBe(false);
    const refused = await admin.post('/iflychat/rooms/orphans/delete', { roomId: unlinkedRoom });
    expect(refused.status).toBe(400);
    expect(emulator.rooms.some((room) => String(room.room_id) === unlinkedRoom)).toBe(true);
  });

  it('never deletes a room an entry owns, though the request names it', async () => {
    const owned = rowOf((await list()).json.data, ok).roomId as string;
    const before = emulator.requests.length;
    const response = await admin.post('/iflychat/rooms/orphans/delete', { roomId: owned });
    expect(response.status).toBe(400);
    expect(fieldErrors(response)[0]).toMatchObject({ path: ['roomId'] });
    expect(emulator.rooms.some((room) => String(room.room_id) === owned)).toBe(true);
    expect(emulator.requests.slice(before).filter((r) => r.path.includes('/delete'))).toEqual([]);
  });

  it('answers 400 for a room iFlyChat does not have, and for a bad room id', async () => {
    const missing = await admin.post('/iflychat/rooms/orphans/delete', { roomId: '987654' });
    expect(missing.status).toBe(400);
    expect(fieldErrors(missing)[0].message).toContain('iFlyChat has no room 987654');
    const bad = await admin.post('/iflychat/rooms/orphans/delete', { roomId: '1; drop' });
    expect(bad.status).toBe(400);
    expect(fieldErrors(bad)[0].path).toEqual(['roomId']);
  });

  it("never relays iFlyChat's answer: a failing rooms/list is described in the plugin's words", async () => {
    emulator.configure({
      faults: [{ kind: 'status', status: 500, path: '/rooms/list', body: 'REMOTE-SECRET-BODY' }],
    });
    const response = await admin.get('/iflychat/rooms/orphans');
    expect(response.status).toBe(400);
    expect(response.text).not.toContain('REMOTE-SECRET-BODY');
    expect(fieldErrors(response)[0].message).toContain('HTTP 500');
  });

  it('reads a hostile rooms/list answer without trusting it', async () => {
    emulator.configure({
      faults: [
        {
          kind: 'json',
          path: '/rooms/list',
          json: {
            rooms: [{ room_id: '-1' }, { room_id: { x: 1 } }, 'x', { room_id: 77, room_name: 5 }],
          },
        },
      ],
    });
    const response = await admin.get('/iflychat/rooms/orphans');
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual([{ roomId: '77', name: '5', role: '', private: false }]);
  });
});

describe('permissions', () => {
  it('an Editor gets 403 from every Rooms page route', async () => {
    const editor = await loginAs(
      pg,
      await createAdminUser(pg, 'editor@example.com', ['strapi-editor'])
    );
    for (const response of [
      await editor.get('/iflychat/rooms/list'),
      await editor.get('/iflychat/rooms/export'),
      await editor.get('/iflychat/rooms/orphans'),
      await editor.post('/iflychat/rooms/retry-failed', {}),
      await editor.post('/iflychat/rooms/orphans/delete', { roomId: '1' }),
    ]) {
      expect(response.status).toBe(403);
    }
  });

  it('rooms.read sees the list but may not act; titles only with Content Manager read', async () => {
    const reader = await adminWith('reader@example.com', [READ_ROOMS]);
    const response = await reader.get('/iflychat/rooms/list');
    expect(response.status).toBe(200);
    expect(rowOf(response.json.data, ok)).toMatchObject({ title: null, status: 'created' });
    const orphan = await remoteRoom('Not yours to delete');
    expect((await reader.post('/iflychat/rooms/retry-failed', {})).status).toBe(403);
    expect((await reader.post('/iflychat/rooms/orphans/delete', { roomId: orphan })).status).toBe(
      403
    );
    expect(emulator.rooms.some((room) => String(room.room_id) === orphan)).toBe(true);

    const manager = await adminWith('manager@example.com', [
      READ_ROOMS,
      MANAGE_ROOMS,
      { action: 'plugin::content-manager.explorer.read', subject: COMMUNITY },
    ]);
    expect(rowOf((await manager.get('/iflychat/rooms/list')).json.data, ok).title).toBe(
      'Alpha lounge'
    );
    expect((await manager.post('/iflychat/rooms/orphans/delete', { roomId: orphan })).status).toBe(
      200
    );
  });
});
