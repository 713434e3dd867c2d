/**
 * The binding boundary, written as the attack: an admin with `settings.update` binds a room id
 * field that Strapi manages itself (`locale` would rewrite every language row's locale,
 * `documentId` would merge documents, `createdBy` is a relation), or binds a plugin's content
 * type (users, admin users). Each is refused with a 400 naming the field, from the settings
 * page as from config/plugins.ts, and nothing is saved.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const TOPIC = 'api::topic.topic';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
});

afterAll(async () => {
  await emulator?.stop();
});

// First, while no other Strapi runs in this process.
describe('config/plugins.ts', () => {
  it('a binding on "locale" stops Strapi with the reason', async () => {
    const boot = bootPlayground({
      pluginConfig: playgroundConfig(emulator, {
        contentTypes: { [TOPIC]: { roomName: '{title}', roomIdField: 'locale' } },
      }),
    });
    const error = await boot.then(
      async (started) => {
        await started.close();
        return null;
      },
      (caught: Error) => caught
    );
    expect(error?.message).toMatch(
      /contentTypes\.api::topic\.topic\.roomIdField: "locale" is managed by Strapi/
    );
  });
});

describe('the settings page', () => {
  beforeAll(async () => {
    pg = await bootPlayground({ pluginConfig: {}, listen: true });
    admin = await adminSession(pg);
  });

  afterAll(async () => {
    await pg?.close();
  });

  function save(contentTypes: Record<string, unknown>) {
    return saveSettings(admin, {
      apiVersion: '1.1',
      baseUrl: emulator.url,
      timeoutMs: 2000,
      concurrency: 4,
      maxAttempts: 8,
      roleMap: {},
      contentTypes,
    });
  }

  const errorsOf = (response: { json: any }) =>
    (response.json?.error?.details?.errors ?? []) as Array<{ path: string[]; message: string }>;

  describe('the room id field', () => {
    it.each([
      [TOPIC, 'locale', 'is managed by Strapi'],
      [TOPIC, 'documentId', 'is managed by Strapi'],
      [COMMUNITY, 'createdAt', 'is managed by Strapi'],
      [COMMUNITY, 'publishedAt', 'is managed by Strapi'],
      [COMMUNITY, 'createdBy', 'is managed by Strapi'],
      [COMMUNITY, 'id', 'is managed by Strapi'],
      [COMMUNITY, 'audience', 'is a relation attribute'],
      [COMMUNITY, 'constructor', 'is not an attribute'],
      [COMMUNITY, '__proto__', 'is not an attribute'],
    ])('%s: "%s" is refused (%s)', async (uid, roomIdField, message) => {
      const response = await save({
        [uid]: { roomName: '{documentId}', roomIdField },
      });
      expect(response.status).toBe(400);
      expect(errorsOf(response)).toEqual([
        expect.objectContaining({
          path: ['contentTypes', uid, 'roomIdField'],
          message: expect.stringContaining(message),
        }),
      ]);
      expect((await admin.get('/iflychat/settings')).json.data.contentTypes).toEqual({});
    });

    it('a real attribute of the right type is accepted', async () => {
      const response = await save({ [TOPIC]: { roomName: '{title}', roomIdField: 'roomId' } });
      expect(response.status).toBe(200);
    });
  });

  describe('the content type', () => {
    it.each([
      'plugin::users-permissions.user',
      'plugin::users-permissions.role',
      'admin::user',
      'plugin::iflychat.room-link',
    ])('%s cannot be bound', async (uid) => {
      const response = await save({ [uid]: { roomName: '{documentId}', roomIdField: 'username' } });
      expect(response.status).toBe(400);
      expect(errorsOf(response)[0].path[0]).toBe('contentTypes');
      expect(response.text).toContain('api::');
    });
  });

  // Binding a type whose room id field holds content: the first publish would write room ids
  // over it. Each is refused with a 400 naming roomIdField; nothing is saved or overwritten.
  describe('a first setup that would overwrite content', () => {
    const GROUP = 'api::group.group';
    let names: string[];

    beforeAll(async () => {
      await save({});
      names = [];
      for (const name of ['Gardeners', 'Chess club']) {
        const documents = pg.strapi.documents(COMMUNITY);
        const doc = await documents.create({ data: { name } as never });
        await documents.publish({ documentId: doc.documentId });
        names.push(name);
      }
    });

    const namesNow = async () =>
      (
        (await pg.strapi.db.query(COMMUNITY).findMany({ select: ['name'] })) as Array<{
          name: string;
        }>
      ).map((row) => row.name);

    it.each([
      [TOPIC, { roomName: '{title}', roomIdField: 'title' }, 'is used in the room name ({title})'],
      [COMMUNITY, { roomName: 'Chat: {name}', roomIdField: 'name' }, 'is used in the room name'],
      [
        COMMUNITY,
        { roomName: '{documentId}', roomIdField: 'name', roomRole: { field: 'name' } },
        'is read by this binding',
      ],
      [GROUP, { roomName: '{name}', roomIdField: 'inviteCode' }, 'is a private attribute'],
      [
        COMMUNITY,
        { roomName: '{documentId}', roomIdField: 'name' },
        'already holds values that are not iFlyChat room ids (4 entries)',
      ],
    ])('%s %j is refused', async (uid, binding, message) => {
      const response = await save({ [uid]: binding });
      expect(response.status).toBe(400);
      expect(errorsOf(response)).toEqual([
        expect.objectContaining({
          path: ['contentTypes', uid, 'roomIdField'],
          message: expect.stringContaining(message),
        }),
      ]);
      expect(errorsOf(response)[0].message).toContain('roomId');
      expect((await admin.get('/iflychat/settings')).json.data.contentTypes).toEqual({});
      expect((await namesNow()).sort()).toEqual([...names, ...names].sort());
    });

    it('an empty roomId field, or one holding room ids, is accepted', async () => {
      await pg.strapi.db.query(COMMUNITY).updateMany({ where: {}, data: { roomId: '1042' } });
      const response = await save({ [COMMUNITY]: { roomName: '{name}', roomIdField: 'roomId' } });
      expect(response.status).toBe(200);
      expect((await namesNow()).sort()).toEqual([...names, ...names].sort());
    });
  });
});
