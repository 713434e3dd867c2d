/**
 * Rooms of a translated (i18n) content type, with the playground's two locales (en, fr):
 * `roomPer: 'document'` shares one room between the locales, `roomPer: 'locale'` gives each
 * locale its own, and publishing one locale never touches another locale's room.
 * The bindings are saved through the settings API, as a site owner would.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  entryRows,
  linkRows,
  settle,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const TOPIC = 'api::topic.topic' as const;
const API_KEY = 'locales-test-key';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

const settingsWith = (topic: Record<string, unknown>) => ({
  apiKey: API_KEY,
  apiVersion: '1.1',
  baseUrl: emulator.url,
  timeoutMs: 2000,
  concurrency: 4,
  maxAttempts: 3,
  roleMap: {},
  contentTypes: { [TOPIC]: topic },
});

async function bind(topic: Record<string, unknown>) {
  const response = await saveSettings(admin, settingsWith(topic));
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  pg = await bootPlayground({ pluginConfig: {}, listen: true });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

const topics = () => pg.strapi.documents(TOPIC);

/** A topic with an English and a French draft. */
async function bilingual(en: string, fr: string) {
  const doc = await topics().create({ locale: 'en', data: { title: en } as never });
  await topics().update({ documentId: doc.documentId, locale: 'fr', data: { title: fr } as never });
  return doc.documentId;
}

async function publish(documentId: string, locale: string) {
  await topics().publish({ documentId, locale });
  await settle(pg.strapi);
}

const rowsOf = async (documentId: string, locale?: string) =>
  (await entryRows(pg.strapi, TOPIC, documentId)).filter((row) => !locale || row.locale === locale);
const linksOf = async (documentId: string) =>
  (await linkRows(pg.strapi)).filter((row) => row.entryDocumentId === documentId);
const roomsNamed = (name: string) => emulator.rooms.filter((room) => room.room_name === name);

it('the playground has two locales, English by default', async () => {
  const service = pg.strapi.plugin('i18n').service('locales');
  const locales = (await service.find()) as Array<{ code: string }>;
  expect(locales.map((locale) => locale.code).sort()).toEqual(['en', 'fr']);
  expect(await service.getDefaultLocale()).toBe('en');
});

describe("roomPer: 'document' (the default)", () => {
  beforeAll(() => bind({ roomName: '{title}', roomIdField: 'roomId', onUnpublish: 'delete' }));

  it('one room for all locales, named from the default locale, its id on every row', async () => {
    const documentId = await bilingual('Gardening', 'Jardinage');
    await publish(documentId, 'fr');
    await publish(documentId, 'en');

    expect(roomsNamed('Gardening').length + roomsNamed('Jardinage').length).toBe(1);
    const links = await linksOf(documentId);
    expect(links).toHaveLength(1);
    expect(links[0].entryLocale).toBe('*');
    const rows = await rowsOf(documentId);
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(String(row.roomId)).toBe(String(links[0].roomId));
  });

  it('is named after the default locale when it is published', async () => {
    const documentId = await bilingual('Cooking', 'Cuisine');
    await publish(documentId, 'en');
    await publish(documentId, 'fr');

    expect(roomsNamed('Cooking')).toHaveLength(1);
    expect(roomsNamed('Cuisine')).toHaveLength(0);
    expect(emulator.requestsTo('/edit').filter((r) => r.body.room_name === 'Cuisine')).toHaveLength(
      0
    );
  });

  it('unpublishing one locale keeps the shared room while another is published', async () => {
    const documentId = await bilingual('Chess', 'Échecs');
    await publish(documentId, 'en');
    await publish(documentId, 'fr');
    const [link] = await linksOf(documentId);

    await topics().unpublish({ documentId, locale: 'fr' });
    await settle(pg.strapi);
    expect(emulator.requestsTo(`/room/${link.roomId}/delete`)).toHaveLength(0);

    await topics().unpublish({ documentId, locale: 'en' });
    await settle(pg.strapi);
    expect(emulator.requestsTo(`/room/${link.roomId}/delete`)).toHaveLength(1);
    for (const row of await rowsOf(documentId)) expect(row.roomId).toBeNull();
  });
});

describe("roomPer: 'locale'", () => {
  beforeAll(() =>
    bind({
      roomName: '{title} ({locale})',
      roomIdField: 'localeRoomId',
      roomPer: 'locale',
      onUnpublish: 'delete',
      onDelete: 'delete',
    })
  );

  it('each locale gets its own room, with its id on that locale only', async () => {
    const documentId = await bilingual('Music', 'Musique');
    await publish(documentId, 'en');

    expect(roomsNamed('Music (en)')).toHaveLength(1);
    for (const row of await rowsOf(documentId, 'fr')) expect(row.localeRoomId).toBeNull();

    await publish(documentId, 'fr');
    const [en] = roomsNamed('Music (en)');
    const [fr] = roomsNamed('Musique (fr)');
    expect(fr).toBeDefined();
    expect(fr.room_id).not.toBe(en.room_id);
    for (const row of await rowsOf(documentId, 'en'))
      expect(String(row.localeRoomId)).toBe(String(en.room_id));
    for (const row of await rowsOf(documentId, 'fr'))
      expect(String(row.localeRoomId)).toBe(String(fr.room_id));
    const links = await linksOf(documentId);
    expect(links.map((link) => link.entryLocale).sort()).toEqual(['en', 'fr']);
  });

  it("publishing one locale again edits that locale's room only", async () => {
    const documentId = await bilingual('Films', 'Cinéma');
    await publish(documentId, 'en');
    await publish(documentId, 'fr');
    const [en] = roomsNamed('Films (en)');
    const [fr] = roomsNamed('Cinéma (fr)');
    const before = emulator.requests.length;

    await topics().update({ documentId, locale: 'fr', data: { title: 'Le cinéma' } as never });
    await publish(documentId, 'fr');

    const calls = emulator.requests.slice(before);
    expect(calls.map((call) => call.path)).toEqual([`/api/1.1/room/${fr.room_id}/edit`]);
    expect(calls[0].body.room_name).toBe('Le cinéma (fr)');
    expect(roomsNamed('Films (en)')[0]).toEqual(en);
  });

  it("unpublishing or deleting one locale deletes that locale's room only", async () => {
    const documentId = await bilingual('Travel', 'Voyage');
    await publish(documentId, 'en');
    await publish(documentId, 'fr');
    const [en] = roomsNamed('Travel (en)');
    const [fr] = roomsNamed('Voyage (fr)');

    await topics().unpublish({ documentId, locale: 'fr' });
    await settle(pg.strapi);
    expect(roomsNamed('Voyage (fr)')).toHaveLength(0);
    expect(roomsNamed('Travel (en)')).toHaveLength(1);
    for (const row of await rowsOf(documentId, 'fr')) expect(row.localeRoomId).toBeNull();
    for (const row of await rowsOf(documentId, 'en'))
      expect(String(row.localeRoomId)).toBe(String(en.room_id));

    await topics().delete({ documentId, locale: 'en' });
    await settle(pg.strapi);
    expect(emulator.requestsTo(`/room/${en.room_id}/delete`)).toHaveLength(1);
    expect(emulator.requestsTo(`/room/${fr.room_id}/delete`)).toHaveLength(1);
    expect(await linksOf(documentId)).toHaveLength(0);
  });

  it("the room panel's API works on one locale's room, and asks which locale", async () => {
    const documentId = await bilingual('Poetry', 'Poésie');
    await publish(documentId, 'en');
    await publish(documentId, 'fr');
    const [fr] = roomsNamed('Poésie (fr)');

    const status = await admin.get(
      `/iflychat/rooms?uid=${TOPIC}&documentId=${documentId}&locale=fr`
    );
    expect(status.json.data).toMatchObject({
      roomPer: 'locale',
      locale: 'fr',
      link: { status: 'created', roomId: String(fr.room_id) },
    });

    const noLocale = await admin.post('/iflychat/rooms/retry', { uid: TOPIC, documentId });
    expect(noLocale.status).toBe(400);
    expect(noLocale.json.error.details.errors[0]).toMatchObject({
      path: ['locale'],
      message: expect.stringContaining('one room per locale'),
    });
    const unknownLocale = await admin.post('/iflychat/rooms/retry', {
      uid: TOPIC,
      documentId,
      locale: 'de',
    });
    expect(unknownLocale.status).toBe(404);
    expect(unknownLocale.json.error.name).toBe('NotFoundError');

    const before = emulator.requests.length;
    const recreated = await admin.post('/iflychat/rooms/recreate', {
      uid: TOPIC,
      documentId,
      locale: 'fr',
    });
    expect(recreated.status).toBe(200);
    await settle(pg.strapi);
    const calls = emulator.requests.slice(before).map((call) => call.path);
    expect(calls).toEqual([`/api/1.1/room/${fr.room_id}/delete`, '/api/1.1/room/create']);
    const [en] = roomsNamed('Poetry (en)');
    for (const row of await rowsOf(documentId, 'en')) {
      expect(String(row.localeRoomId)).toBe(String(en.room_id));
    }
  });

  it('the backfill queues one room per published locale', async () => {
    const documentId = await bilingual('Astronomy', 'Astronomie');
    // Published behind the plugin's back: straight in the database, no publish hook.
    const drafts = await rowsOf(documentId);
    const now = new Date();
    for (const row of drafts) {
      const { id: _id, documentId: _doc, ...data } = row;
      await pg.strapi.db.query(TOPIC).create({ data: { ...data, documentId, publishedAt: now } });
    }

    const response = await admin.post('/iflychat/backfill', { uid: TOPIC });
    expect(response.status).toBe(202);
    await pg.strapi.plugin('iflychat').service('sync').backfillsDone();
    await settle(pg.strapi);

    expect(roomsNamed('Astronomy (en)')).toHaveLength(1);
    expect(roomsNamed('Astronomie (fr)')).toHaveLength(1);
  });
});

describe('checks of a per-locale binding', () => {
  it('refuses a room id attribute shared by all locales, naming the field', async () => {
    const response = await saveSettings(
      admin,
      settingsWith({ roomName: '{title}', roomIdField: 'roomId', roomPer: 'locale' })
    );
    expect(response.status).toBe(400);
    const errors = response.json.error.details.errors as Array<{ path: string[]; message: string }>;
    expect(errors).toContainEqual(
      expect.objectContaining({
        path: ['contentTypes', TOPIC, 'roomPer'],
        message: expect.stringContaining('"roomId" is shared by all locales'),
      })
    );
  });

  it('refuses one room per locale on a content type that is not translated', async () => {
    const response = await saveSettings(admin, {
      ...settingsWith({ roomName: '{title}', roomIdField: 'localeRoomId' }),
      contentTypes: {
        'api::community.community': {
          roomName: '{name}',
          roomIdField: 'roomId',
          roomPer: 'locale',
        },
      },
    });
    expect(response.status).toBe(400);
    expect(response.json.error.details.errors).toContainEqual(
      expect.objectContaining({
        path: ['contentTypes', 'api::community.community', 'roomPer'],
        message: expect.stringContaining('is not localized'),
      })
    );
  });
});
