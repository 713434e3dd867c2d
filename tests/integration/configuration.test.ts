/**
 * What the plugin does with each kind of configuration: API 1.0, a wrong key, no key, and a
 * `config/plugins.ts` that cannot work.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  entryRows,
  linkRows,
  playgroundConfig,
  roleId,
  settle,
  saveSettings,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await createEmulator().start();
});

afterEach(() => emulator.reset());

afterAll(async () => {
  await emulator?.stop();
});

async function withPlayground(pluginConfig: unknown, run: (pg: Playground) => Promise<void>) {
  const pg = await bootPlayground({ pluginConfig });
  try {
    await run(pg);
  } finally {
    await pg.close();
  }
}

async function publishCommunity(pg: Playground, data: Record<string, unknown>) {
  const authenticated = await roleId(pg.strapi, 'authenticated');
  const doc = await pg.strapi
    .documents(COMMUNITY)
    .create({ data: { audience: authenticated, ...data } as never });
  await pg.strapi.documents(COMMUNITY).publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

describe('API 1.0', () => {
  it('sends form-encoded bodies to /api/1.0/room/create and stores the room id', async () => {
    await withPlayground(playgroundConfig(emulator, { apiVersion: '1.0' }), async (pg) => {
      const documentId = await publishCommunity(pg, {
        name: 'Old school',
        isPrivate: false,
        isModerated: true,
      });

      const requests = emulator.requestsTo('/room/create');
      expect(requests).toHaveLength(1);
      expect(requests[0].path).toBe('/api/1.0/room/create');
      expect(requests[0].contentType).toContain('application/x-www-form-urlencoded');
      expect(requests[0].body).toEqual({
        api_key: emulator.apiKey,
        room_name: 'Old school',
        room_role: '2',
        room_private: '0',
        room_moderate: '1',
      });
      const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
      expect(rows.map((row) => String(row.roomId))).toEqual([
        String(emulator.rooms[0].room_id),
        String(emulator.rooms[0].room_id),
      ]);
    });
  });
});

describe('a wrong API key', () => {
  it('fails the job with a readable reason, keeps the entry published, and never shows the key', async () => {
    const wrongKey = 'this-key-is-wrong-1234';
    await withPlayground(playgroundConfig(emulator, { apiKey: wrongKey }), async (pg) => {
      const documentId = await publishCommunity(pg, { name: 'Locked out' });

      expect(emulator.requestsTo('/room/create')).toHaveLength(1);
      expect(emulator.rooms).toHaveLength(0);
      const [link] = (await linkRows(pg.strapi)).filter(
        (row) => row.entryDocumentId === documentId
      );
      expect(link.status).toBe('failed');
      expect(link.lastError).toMatch(
        /^iFlyChat refused the API key \(HTTP 403 on \/api\/1\.1\/room\/create\)/
      );
      expect(JSON.stringify(link)).not.toContain(wrongKey);
      expect(pg.logs.join('\n')).not.toContain(wrongKey);

      const published = await pg.strapi
        .documents(COMMUNITY)
        .findOne({ documentId, status: 'published' });
      expect(published?.name).toBe('Locked out');
      const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
      expect(rows.map((row) => row.roomId)).toEqual([null, null]);
    });
  });
});

describe('no API key', () => {
  it('starts idle, says so once, and publishing works as without the plugin', async () => {
    await withPlayground(playgroundConfig(emulator, { apiKey: undefined }), async (pg) => {
      const idleLines = pg.logs.filter((line) => line.includes('no API key is set'));
      expect(idleLines).toHaveLength(1);

      const documentId = await publishCommunity(pg, { name: 'Quiet' });
      await publishCommunity(pg, { name: 'Quieter' });

      expect(emulator.requests).toHaveLength(0);
      const published = await pg.strapi
        .documents(COMMUNITY)
        .findOne({ documentId, status: 'published' });
      expect(published?.name).toBe('Quiet');
      // The job waits for a key instead of failing.
      const [link] = (await linkRows(pg.strapi)).filter(
        (row) => row.entryDocumentId === documentId
      );
      expect(link.status).toBe('pending');
      expect(pg.logs.filter((line) => line.includes('no API key is set'))).toHaveLength(1);
    });
  });
});

describe('a config/plugins.ts that cannot work stops Strapi with a clear message', () => {
  const binding = playgroundConfig({ apiKey: 'k', url: 'http://127.0.0.1:9' }).contentTypes[
    COMMUNITY
  ];

  const cases: Array<[string, unknown, RegExp[]]> = [
    [
      'an unknown API version',
      { apiVersion: '2.0' },
      [/iflychat config/, /apiVersion: Invalid option: expected one of "1\.1"\|"1\.0"/],
    ],
    [
      'a base URL that is not http(s)',
      { baseUrl: 'ftp://example.com' },
      [/baseUrl: must be an https URL/],
    ],
    [
      'a plain http base URL to another machine',
      { baseUrl: 'http://api.iflychat.com' },
      [/baseUrl: must be an https URL .*plain http only for 127\.0\.0\.1 or localhost/],
    ],
    ['an unknown key', { apiKeys: 'oops' }, [/apiKeys/]],
    [
      'a binding for a content type that does not exist',
      { contentTypes: { 'api::nothing.nothing': binding } },
      [/contentTypes\.api::nothing\.nothing: there is no content type with this uid/],
    ],
    [
      'a roomIdField of the wrong type',
      { contentTypes: { [COMMUNITY]: { ...binding, roomIdField: 'isPrivate' } } },
      [
        /contentTypes\.api::community\.community\.roomIdField: "isPrivate" is a boolean attribute; it must be string, integer or biginteger/,
      ],
    ],
    [
      'a roomIdField that does not exist',
      { contentTypes: { [COMMUNITY]: { ...binding, roomIdField: 'chatRoom' } } },
      [/roomIdField: "chatRoom" is not an attribute of api::community\.community/],
    ],
    [
      'a room name placeholder that is not an attribute',
      { contentTypes: { [COMMUNITY]: { ...binding, roomName: '{title}' } } },
      [/roomName: \{title\} is not an attribute of api::community\.community/],
    ],
    [
      'a role field that cannot hold a role',
      { contentTypes: { [COMMUNITY]: { ...binding, roomRole: { field: 'isPrivate' } } } },
      [/roomRole\.field: "isPrivate" must be a single relation to plugin::users-permissions\.role/],
    ],
    [
      'a private flag read from a non-boolean attribute',
      { contentTypes: { [COMMUNITY]: { ...binding, private: { field: 'name' } } } },
      [/private\.field: "name" is a string attribute; it must be boolean/],
    ],
    [
      'one room per locale on a content type that is not translated',
      { contentTypes: { [COMMUNITY]: { ...binding, roomPer: 'locale' } } },
      [
        /contentTypes\.api::community\.community\.roomPer: api::community\.community is not localized/,
      ],
    ],
    [
      'one room per locale with a room id shared by all locales',
      {
        contentTypes: {
          'api::topic.topic': { roomName: '{title}', roomIdField: 'roomId', roomPer: 'locale' },
        },
      },
      [/api::topic\.topic\.roomPer: one room per locale needs a localized room id attribute/],
    ],
    [
      'identity attributes the user model does not have with that type',
      { userAvatarField: 'username', chatModeratorAttribute: 'email' },
      [
        /userAvatarField: "username" is not a single-media attribute of the user/,
        /chatModeratorAttribute: "email" is not a boolean attribute of the user/,
      ],
    ],
    [
      'a tokenUser that is not a function',
      { tokenUser: 'return params' },
      [/tokenUser: must be a function \(user, params\) => params/],
    ],
    [
      'an unknown unpublish policy',
      { contentTypes: { [COMMUNITY]: { ...binding, onUnpublish: 'archive' } } },
      [/onUnpublish: must be "keep" or "delete"/],
    ],
  ];

  it.each(cases)('%s', async (_label, overrides, messages) => {
    const config = { ...playgroundConfig(emulator), ...(overrides as object) };
    const boot = bootPlayground({ pluginConfig: config });
    await expect(boot).rejects.toThrow();
    const error = await boot.catch((caught: Error) => caught);
    for (const message of messages) expect(String((error as Error).message)).toMatch(message);
    expect(String((error as Error).message)).not.toContain(emulator.apiKey);
  });
});

describe('without admin.secrets.encryptionKey', () => {
  it('stores an admin-entered key as it is, says so, and still never returns it', async () => {
    const pg = await bootPlayground({
      pluginConfig: {},
      listen: true,
      env: { ENCRYPTION_KEY: '' },
    });
    try {
      const admin = await adminSession(pg);
      const before = await admin.get('/iflychat/settings');
      expect(before.json.data.encryptedAtRest).toBe(false);
      const saved = await saveSettings(admin, {
        apiKey: 'plain-stored-key-9876',
        apiVersion: '1.1',
        baseUrl: emulator.url,
        roleMap: {},
        contentTypes: {},
      });
      expect(saved.status).toBe(200);
      expect(saved.json.data.apiKey).toEqual({ configured: true, last4: '9876', source: 'admin' });
      expect(saved.text).not.toContain('plain-stored-key-9876');
      const stored = await pg.strapi.db
        .query('strapi::core-store')
        .findOne({ where: { key: 'plugin_iflychat_settings' } });
      expect(JSON.parse(stored.value).apiKey).toEqual({
        value: 'plain-stored-key-9876',
        encrypted: false,
      });
    } finally {
      await pg.close();
    }
  });
});
