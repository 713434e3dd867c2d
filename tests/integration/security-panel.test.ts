/**
 * The room panel boundary, written as the attack: an editor whose Content Manager role is
 * narrower than "every entry, every field, every locale" uses the panel's API to act on what
 * the Content Manager would refuse — another author's entry under "own entries", a locale they
 * may not edit, an entry whose room id field their role hides — or to read a failure reason
 * about a field they may not see. The panel applies the Content Manager's own rules.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
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

const TOPIC = 'api::topic.topic';
const READ = 'plugin::content-manager.explorer.read';
const UPDATE = 'plugin::content-manager.explorer.update';
const PUBLISH = 'plugin::content-manager.explorer.publish';
const MANAGE = { action: 'plugin::iflychat.rooms.manage', subject: null };

let emulator: Emulator;
let pg: Playground;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  const config = playgroundConfig(emulator);
  pg = await bootPlayground({
    listen: true,
    pluginConfig: {
      ...config,
      contentTypes: {
        ...config.contentTypes,
        [TOPIC]: { roomName: '{title}', roomIdField: 'localeRoomId', roomPer: 'locale' },
      },
    },
  });
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

async function editor(email: string, permissions: unknown[]) {
  const role = (await pg.strapi.service('admin::role').create({
    name: email,
    description: email,
  })) as { id: number };
  await pg.strapi.service('admin::role').assignPermissions(role.id, [MANAGE, ...permissions]);
  const credentials = await createAdminUser(pg, email, [role.id]);
  const user = await pg.strapi.db.query('admin::user').findOne({ where: { email } });
  return { client: await loginAs(pg, credentials), userId: user.id as number };
}

async function community(name: string, createdBy?: number) {
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  if (createdBy) {
    await pg.strapi.db
      .query(COMMUNITY)
      .updateMany({ where: { documentId: doc.documentId }, data: { createdBy } });
  }
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

const roomOf = async (documentId: string) =>
  String((await entryRows(pg.strapi, COMMUNITY, documentId))[0].roomId);

describe('"own entries"', () => {
  const fields = ['name', 'description', 'audience', 'isPrivate', 'isModerated', 'roomId'];

  it("an author cannot see or touch another author's room, and can their own", async () => {
    const { client, userId } = await editor('own-entries@example.com', [
      {
        action: READ,
        subject: COMMUNITY,
        properties: { fields },
        conditions: ['admin::is-creator'],
      },
      {
        action: UPDATE,
        subject: COMMUNITY,
        properties: { fields },
        conditions: ['admin::is-creator'],
      },
      { action: PUBLISH, subject: COMMUNITY, conditions: ['admin::is-creator'] },
    ]);
    const theirs = await community('Not yours');
    const mine = await community('Yours', userId);
    const roomBefore = await roomOf(theirs);

    const seen = await client.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${theirs}`);
    expect(seen.status).toBe(403);
    for (const action of ['retry', 'unlink', 'recreate']) {
      const response = await client.post(`/iflychat/rooms/${action}`, {
        uid: COMMUNITY,
        documentId: theirs,
      });
      expect([action, response.status]).toEqual([action, 403]);
    }
    const link = await client.post('/iflychat/rooms/link', {
      uid: COMMUNITY,
      documentId: theirs,
      roomId: roomBefore,
    });
    expect(link.status).toBe(403);
    expect(await roomOf(theirs)).toBe(roomBefore);

    expect((await client.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${mine}`)).status).toBe(
      200
    );
    const unlinked = await client.post('/iflychat/rooms/unlink', {
      uid: COMMUNITY,
      documentId: mine,
    });
    expect(unlinked.status).toBe(200);
    expect(await roomOf(mine)).toBe('null');
  });
});

describe('the room id field', () => {
  const withoutRoomId = ['name', 'description', 'audience', 'isPrivate', 'isModerated'];

  it('a role that cannot update the field cannot act; one that cannot read it sees no reason', async () => {
    const { client } = await editor('no-room-field@example.com', [
      { action: READ, subject: COMMUNITY, properties: { fields: withoutRoomId } },
      { action: UPDATE, subject: COMMUNITY, properties: { fields: withoutRoomId } },
      { action: PUBLISH, subject: COMMUNITY },
    ]);
    emulator.configure({
      faults: [{ kind: 'status', status: 400, path: '/room/create', body: 'room quota reached' }],
    });
    const failed = await community('Refused by iFlyChat');
    emulator.configure({ faults: [] });

    const seen = await client.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${failed}`);
    expect(seen.status).toBe(200);
    expect(seen.json.data.link).toMatchObject({ status: 'failed', lastError: null, roomId: null });
    expect(seen.text).not.toContain('quota');

    const retry = await client.post('/iflychat/rooms/retry', {
      uid: COMMUNITY,
      documentId: failed,
    });
    expect(retry.status).toBe(403);
  });
});

describe('Content Manager publish', () => {
  it('an editor who may edit but not publish the entry cannot change its room', async () => {
    const fields = ['name', 'description', 'audience', 'isPrivate', 'isModerated', 'roomId'];
    const { client } = await editor('no-publish@example.com', [
      { action: READ, subject: COMMUNITY, properties: { fields } },
      { action: UPDATE, subject: COMMUNITY, properties: { fields } },
    ]);
    const documentId = await community('Published by someone else');
    const roomBefore = await roomOf(documentId);
    for (const action of ['retry', 'unlink', 'recreate']) {
      const response = await client.post(`/iflychat/rooms/${action}`, {
        uid: COMMUNITY,
        documentId,
      });
      expect([action, response.status]).toEqual([action, 403]);
    }
    expect(await roomOf(documentId)).toBe(roomBefore);
    await settle(pg.strapi);
    expect(emulator.requestsTo(`/room/${roomBefore}/delete`)).toHaveLength(0);
  });
});

describe('locales', () => {
  it('an editor of English rooms cannot act on the French room', async () => {
    const { client } = await editor('english-only@example.com', [
      { action: READ, subject: TOPIC, properties: { locales: ['en', 'fr'] } },
      { action: UPDATE, subject: TOPIC, properties: { locales: ['en'] } },
      { action: PUBLISH, subject: TOPIC, properties: { locales: ['en', 'fr'] } },
    ]);
    const topics = pg.strapi.documents(TOPIC);
    const doc = await topics.create({ locale: 'en', data: { title: 'Hello' } as never });
    await topics.update({
      documentId: doc.documentId,
      locale: 'fr',
      data: { title: 'Bonjour' } as never,
    });
    await topics.publish({ documentId: doc.documentId, locale: 'en' });
    await topics.publish({ documentId: doc.documentId, locale: 'fr' });
    await settle(pg.strapi);

    const french = await client.post('/iflychat/rooms/unlink', {
      uid: TOPIC,
      documentId: doc.documentId,
      locale: 'fr',
    });
    expect(french.status).toBe(403);
    const english = await client.post('/iflychat/rooms/unlink', {
      uid: TOPIC,
      documentId: doc.documentId,
      locale: 'en',
    });
    expect(english.status).toBe(200);
    const rows = await entryRows(pg.strapi, TOPIC, doc.documentId);
    expect(
      rows.filter((row) => row.locale === 'fr').every((row) => row.localeRoomId !== null)
    ).toBe(true);
    expect(
      rows.filter((row) => row.locale === 'en').every((row) => row.localeRoomId === null)
    ).toBe(true);
  });
});
