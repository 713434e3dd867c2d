/**
 * Every way an entry gets published creates exactly one room, with the parameters the binding
 * describes, and writes its id back onto the entry. Real Strapi, real SQLite, real HTTP to the
 * emulator.
 */
import { AsyncResource } from 'node:async_hooks';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  entryRows,
  GROUP,
  linkRows,
  playgroundConfig,
  restClient,
  roleId,
  settle,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let rest: Awaited<ReturnType<typeof restClient>>;
let authenticatedId: number;
let publicId: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({ pluginConfig: playgroundConfig(emulator), listen: true });
  admin = await adminSession(pg);
  rest = await restClient(pg);
  authenticatedId = await roleId(pg.strapi, 'authenticated');
  publicId = await roleId(pg.strapi, 'public');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

const communities = () => pg.strapi.documents(COMMUNITY);

async function draft(data: Record<string, unknown>) {
  return communities().create({ data: { audience: authenticatedId, ...data } as never });
}

function createRequestsFor(name: string) {
  return emulator.requestsTo('/room/create').filter((request) => request.body.room_name === name);
}

function roomNamed(name: string) {
  return emulator.rooms.filter((room) => room.room_name === name);
}

describe('documents().publish', () => {
  it('creates one room with the binding parameters and writes its id on draft and published rows', async () => {
    const doc = await draft({ name: 'Hikers', isPrivate: true, isModerated: false });
    const before = await entryRows(pg.strapi, COMMUNITY, doc.documentId);

    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    const requests = createRequestsFor('Hikers');
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe('/api/1.1/room/create');
    expect(requests[0].contentType).toContain('application/json');
    expect(requests[0].userAgent).toMatch(/^strapi-plugin-iflychat\/\d+\.\d+\.\d+/);
    expect(requests[0].body).toEqual({
      api_key: emulator.apiKey,
      room_name: 'Hikers',
      room_role: '2',
      room_private: '1',
      room_moderate: '0',
    });

    const [room] = roomNamed('Hikers');
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(String(row.roomId)).toBe(String(room.room_id));

    // The draft row was not touched in a way that makes it look edited after publishing.
    const draftRow = rows.find((row) => row.publishedAt === null)!;
    expect(draftRow.updatedAt).toEqual(before[0].updatedAt);

    const link = (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === doc.documentId);
    expect(link).toMatchObject({
      contentType: COMMUNITY,
      status: 'created',
      roomId: String(room.room_id),
      roomName: 'Hikers',
      attempts: 1,
      lastError: null,
    });
  });

  it('does not mark the entry as modified in the Content Manager', async () => {
    const doc = await draft({ name: 'Readers' });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    const response = await admin.get(
      `/content-manager/collection-types/${COMMUNITY}/${doc.documentId}`
    );
    expect(response.status).toBe(200);
    expect(response.json.data.status).toBe('published');
    expect(String(response.json.data.roomId)).toBe(String(roomNamed('Readers')[0].room_id));
  });

  it('publishing the same entry again creates no second room', async () => {
    const doc = await draft({ name: 'Climbers' });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    await communities().update({
      documentId: doc.documentId,
      data: { description: 'v2' } as never,
    });
    await communities().publish({ documentId: doc.documentId });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    expect(createRequestsFor('Climbers')).toHaveLength(1);
    expect(roomNamed('Climbers')).toHaveLength(1);
    // Nothing the room depends on changed: iFlyChat is not called at all.
    const roomId = roomNamed('Climbers')[0].room_id;
    expect(emulator.requestsTo(`/room/${roomId}/edit`)).toHaveLength(0);
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    for (const row of rows)
      expect(String(row.roomId)).toBe(String(roomNamed('Climbers')[0].room_id));
  });

  it('publishing again with a new name, audience or flag edits the room instead', async () => {
    const doc = await draft({ name: 'Sailors' });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    const [room] = roomNamed('Sailors');

    await communities().update({
      documentId: doc.documentId,
      data: { name: 'Sailors and rowers', audience: publicId, isModerated: true } as never,
    });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    const edits = emulator.requestsTo(`/room/${room.room_id}/edit`);
    expect(edits).toHaveLength(1);
    expect(edits[0].body).toEqual({
      api_key: emulator.apiKey,
      room_name: 'Sailors and rowers',
      room_role: '1',
      room_private: '0',
      room_moderate: '1',
    });
    expect(createRequestsFor('Sailors and rowers')).toHaveLength(0);
    expect(emulator.rooms.find((r) => r.room_id === room.room_id)).toMatchObject({
      room_name: 'Sailors and rowers',
      room_role: '1',
      room_moderate: '1',
    });
    const link = (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === doc.documentId);
    expect(link).toMatchObject({
      status: 'created',
      roomName: 'Sailors and rowers',
      roomRole: '1',
    });
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    for (const row of rows) expect(String(row.roomId)).toBe(String(room.room_id));
  });

  it('maps the public role and the moderate flag', async () => {
    const doc = await draft({ name: 'Open house', audience: publicId, isModerated: true });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    expect(createRequestsFor('Open house')[0].body).toMatchObject({
      room_role: '1',
      room_private: '0',
      room_moderate: '1',
    });
  });
});

describe('drafts and unbound content types', () => {
  it('saving a draft creates no room and no job', async () => {
    const doc = await draft({ name: 'Only a draft' });
    await communities().update({
      documentId: doc.documentId,
      data: { description: 'edited' } as never,
    });
    await settle(pg.strapi);
    expect(createRequestsFor('Only a draft')).toHaveLength(0);
    const links = await linkRows(pg.strapi);
    expect(links.find((row) => row.entryDocumentId === doc.documentId)).toBeUndefined();
  });

  it('publishing an entry of an unbound content type touches nothing', async () => {
    const requestsBefore = emulator.requests.length;
    const doc = await pg.strapi
      .documents(GROUP)
      .create({ data: { name: 'Not bound', audience: authenticatedId } as never });
    await pg.strapi.documents(GROUP).publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    expect(emulator.requests.length).toBe(requestsBefore);
    const links = await linkRows(pg.strapi);
    expect(links.find((row) => row.entryDocumentId === doc.documentId)).toBeUndefined();
    const rows = await entryRows(pg.strapi, GROUP, doc.documentId);
    expect(rows.map((row) => row.roomId)).toEqual([null, null]);
  });
});

describe('Content Manager', () => {
  it('publish from the edit view', async () => {
    const created = await admin.post(`/content-manager/collection-types/${COMMUNITY}`, {
      name: 'Painters',
      audience: { connect: [{ id: authenticatedId }] },
    });
    expect(created.status).toBe(201);
    const documentId = created.json.data.documentId as string;

    const published = await admin.post(
      `/content-manager/collection-types/${COMMUNITY}/${documentId}/actions/publish`,
      {}
    );
    expect(published.status).toBe(200);
    await settle(pg.strapi);

    expect(createRequestsFor('Painters')).toHaveLength(1);
    const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
    expect(
      rows.every((row) => String(row.roomId) === String(roomNamed('Painters')[0].room_id))
    ).toBe(true);
  });

  it('bulk publish from the list view', async () => {
    const names = ['Bulk A', 'Bulk B', 'Bulk C'];
    const ids: string[] = [];
    for (const name of names) ids.push((await draft({ name })).documentId);
    // Strapi's own entry.publish events (webhooks) still come once per entry: the plugin's work
    // after the commit does not run the transaction's after-commit callbacks again.
    const published: string[] = [];
    const listener = (event: { entry?: { documentId?: string } }) => {
      if (event.entry?.documentId) published.push(event.entry.documentId);
      return Promise.resolve();
    };
    pg.strapi.eventHub.on('entry.publish', listener);

    const response = await admin.post(
      `/content-manager/collection-types/${COMMUNITY}/actions/bulkPublish`,
      { documentIds: ids }
    );
    expect(response.status).toBe(200);
    expect(response.json.count).toBe(3);
    await settle(pg.strapi);
    pg.strapi.eventHub.off('entry.publish', listener);
    expect(published.sort()).toEqual([...ids].sort());

    for (const [index, name] of names.entries()) {
      expect(createRequestsFor(name)).toHaveLength(1);
      const rows = await entryRows(pg.strapi, COMMUNITY, ids[index]);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(String(row.roomId)).toBe(String(roomNamed(name)[0].room_id));
    }
  });
});

describe('a publish while the settings are being read again', () => {
  it('waits for no read started outside its transaction (on SQLite that read waits for the connection the publish holds)', async () => {
    const doc = await draft({ name: 'While settings load' });
    const settings = pg.strapi.plugin('iflychat').service('settings');
    // Outside any transaction, as a room job reads the settings.
    const readOutside = AsyncResource.bind(() => settings.get());
    settings.load(); // forgets the settings read: the next read goes to the database
    const started = Date.now();
    await pg.strapi.db.transaction(async () => {
      // The read starts, and waits for the database connection this transaction holds...
      const outside = readOutside();
      // ...while code in the transaction reads the settings, and the publish asks whether the
      // type is bound: both read in the transaction instead of waiting for that read.
      expect(Object.keys((await settings.get()).contentTypes)).toContain(COMMUNITY);
      await communities().publish({ documentId: doc.documentId });
      void outside.catch(() => undefined);
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    await settle(pg.strapi);
    expect(createRequestsFor('While settings load')).toHaveLength(1);
  }, 30_000);
});

describe('REST API', () => {
  it('POST with status=published', async () => {
    const response = await rest.post('/api/communities?status=published', {
      data: { name: 'Runners', audience: authenticatedId },
    });
    expect(response.status).toBe(201);
    const documentId = response.json.data.documentId as string;
    await settle(pg.strapi);

    expect(createRequestsFor('Runners')).toHaveLength(1);
    const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
    expect(
      rows.every((row) => String(row.roomId) === String(roomNamed('Runners')[0].room_id))
    ).toBe(true);
  });

  it('PUT with status=published on a draft-only entry', async () => {
    const doc = await draft({ name: 'Swimmers' });
    const response = await rest.put(`/api/communities/${doc.documentId}?status=published`, {
      data: { description: 'now public' },
    });
    expect(response.status).toBe(200);
    await settle(pg.strapi);

    expect(createRequestsFor('Swimmers')).toHaveLength(1);
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    expect(rows).toHaveLength(2);
    expect(
      rows.every((row) => String(row.roomId) === String(roomNamed('Swimmers')[0].room_id))
    ).toBe(true);
  });

  it('a draft saved through REST creates no room', async () => {
    const response = await rest.post('/api/communities?status=draft', {
      data: { name: 'REST draft', audience: authenticatedId },
    });
    expect(response.status).toBe(201);
    await settle(pg.strapi);
    expect(createRequestsFor('REST draft')).toHaveLength(0);
  });
});

describe('entries the plugin cannot make a room for', () => {
  it('an empty role field fails the job with that reason and keeps the entry published', async () => {
    const doc = await draft({ name: 'Nobody', audience: null });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    expect(createRequestsFor('Nobody')).toHaveLength(0);
    const link = (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === doc.documentId);
    expect(link?.status).toBe('failed');
    expect(link?.lastError).toBe(
      'the role field "audience" is empty, so the room\'s audience is unknown'
    );
    const published = await communities().findOne({
      documentId: doc.documentId,
      status: 'published',
    });
    expect(published?.name).toBe('Nobody');
  });

  it('a role missing from roleMap fails the job instead of opening the room to everyone', async () => {
    const custom = await pg.strapi.db.query('plugin::users-permissions.role').create({
      data: { name: 'Moderators', type: 'moderators', description: 'Site moderators' },
    });
    const doc = await draft({ name: 'Mods only', audience: custom.id });
    await communities().publish({ documentId: doc.documentId });
    await settle(pg.strapi);

    expect(createRequestsFor('Mods only')).toHaveLength(0);
    const link = (await linkRows(pg.strapi)).find((row) => row.entryDocumentId === doc.documentId);
    expect(link?.status).toBe('failed');
    expect(link?.lastError).toBe('the role "moderators" has no iFlyChat role id in roleMap');
  });
});

describe('copies', () => {
  it('a copy made in the Content Manager does not keep its original room, and gets its own', async () => {
    const original = await draft({ name: 'Original' });
    await communities().publish({ documentId: original.documentId });
    await settle(pg.strapi);
    const [originalRoom] = roomNamed('Original');

    const cloned = await admin.post(
      `/content-manager/collection-types/${COMMUNITY}/clone/${original.documentId}`,
      { name: 'Copy of original' }
    );
    expect(cloned.status).toBe(200);
    // The copy is written without the room id: the clone call's own answer has none.
    expect(cloned.json.data.roomId ?? null).toBeNull();
    const copyId = cloned.json.data.documentId as string;
    const copyRows = await entryRows(pg.strapi, COMMUNITY, copyId);
    expect(copyRows.map((row) => row.roomId)).toEqual([null]);

    await communities().publish({ documentId: copyId });
    await settle(pg.strapi);
    const [copyRoom] = roomNamed('Copy of original');
    expect(copyRoom.room_id).not.toBe(originalRoom.room_id);
    const published = await entryRows(pg.strapi, COMMUNITY, copyId);
    expect(published.map((row) => String(row.roomId))).toEqual([
      String(copyRoom.room_id),
      String(copyRoom.room_id),
    ]);
    const originalRows = await entryRows(pg.strapi, COMMUNITY, original.documentId);
    for (const row of originalRows) expect(String(row.roomId)).toBe(String(originalRoom.room_id));
  });
});
