/**
 * The admin API behind Settings → iFlyChat: every route, its permissions, its validation, and the
 * API key that never comes back out.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  createAdminUser,
  loginAs,
  COMMUNITY,
  entryRows,
  httpClient,
  roleId,
  settle,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const API_KEY = 'admin-entered-key-7f3a9c';

let emulator: Emulator;
let pg: Playground;
let admin: ReturnType<typeof recorded>;
/** Every response body seen in this file, to prove the key never leaves the server. */
const seen: string[] = [];

function recorded(client: ReturnType<typeof httpClient>) {
  const wrap =
    <A extends unknown[]>(
      call: (...args: A) => Promise<{ status: number; json: any; text: string }>
    ) =>
    async (...args: A) => {
      const response = await call(...args);
      seen.push(response.text);
      return response;
    };
  return { get: wrap(client.get), post: wrap(client.post), put: wrap(client.put) };
}

async function loginWithRoles(roles: Array<number | string>, email: string) {
  return recorded(await loginAs(pg, await createAdminUser(pg, email, roles)));
}

const communityBinding = {
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: { field: 'audience' },
  private: { field: 'isPrivate' },
  moderate: false,
};

function validSettings(overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 2000,
    concurrency: 4,
    maxAttempts: 8,
    roleMap: { public: '1', authenticated: '2' },
    contentTypes: { [COMMUNITY]: communityBinding },
    ...overrides,
  };
}

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  // Nothing in config/plugins.ts: everything is set from the admin.
  pg = await bootPlayground({ pluginConfig: {}, listen: true });
  admin = recorded(await adminSession(pg));
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
  expect(seen.length).toBeGreaterThan(20);
  for (const body of seen) expect(body).not.toContain(API_KEY);
});

describe('authentication and permissions', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/iflychat/settings'],
    ['PUT', '/iflychat/settings'],
    ['POST', '/iflychat/settings/test-connection'],
    ['GET', '/iflychat/content-types'],
    ['GET', '/iflychat/roles'],
    ['POST', '/iflychat/preview-room-name'],
  ];

  it.each(routes)('%s %s answers 401 without a session', async (method, path) => {
    const response = await fetch(`${pg.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: method === 'GET' ? undefined : '{}',
    });
    seen.push(await response.text());
    expect(response.status).toBe(401);
  });

  it('an Editor without the plugin permissions gets 403 from every route', async () => {
    const editor = await loginWithRoles(['strapi-editor'], 'editor@example.com');
    for (const [method, path] of routes) {
      const response =
        method === 'GET'
          ? await editor.get(path)
          : method === 'PUT'
            ? await editor.put(path, validSettings())
            : await editor.post(path, {});
      expect([method, path, response.status]).toEqual([method, path, 403]);
    }
  });

  it('a role with settings.read only can read but not change', async () => {
    const role = await pg.strapi.service('admin::role').create({
      name: 'Chat readers',
      description: 'May look at the iFlyChat settings',
    });
    await pg.strapi
      .service('admin::role')
      .assignPermissions(role.id, [{ action: 'plugin::iflychat.settings.read' }]);
    const reader = await loginWithRoles([role.id], 'reader@example.com');
    expect((await reader.get('/iflychat/settings')).status).toBe(200);
    expect((await reader.get('/iflychat/content-types')).status).toBe(200);
    expect((await reader.get('/iflychat/roles')).status).toBe(200);
    expect((await reader.put('/iflychat/settings', validSettings())).status).toBe(403);
    expect((await reader.post('/iflychat/settings/test-connection', {})).status).toBe(403);
  });

  it('the actions are registered for Settings → Roles', () => {
    const actions = pg.strapi
      .service('admin::permission')
      .actionProvider.values()
      .filter((action: { pluginName?: string }) => action.pluginName === 'iflychat')
      .map((action: { actionId: string }) => action.actionId)
      .sort();
    expect(actions).toEqual([
      'plugin::iflychat.chat.moderate',
      'plugin::iflychat.rooms.link-any',
      'plugin::iflychat.rooms.manage',
      'plugin::iflychat.rooms.read',
      'plugin::iflychat.settings.read',
      'plugin::iflychat.settings.update',
    ]);
  });
});

describe('settings', () => {
  it('starts empty and idle', async () => {
    const response = await admin.get('/iflychat/settings');
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual({
      apiKey: { configured: false, last4: null, source: null },
      appId: { configured: false, last4: null, source: null },
      appIdValue: null,
      apiVersion: '1.1',
      baseUrl: 'https://api.iflychat.com',
      timeoutMs: 10000,
      concurrency: 4,
      maxAttempts: 8,
      maxRequestsPerSecond: null,
      roleMap: {},
      contentTypes: {},
      chatRoleMap: {},
      userIdPrefix: 'strapi-',
      userNameAttribute: 'username',
      userAvatarGravatar: false,
      chatAdminUsernames: [],
      chatModeratorUsernames: [],
      tokenRequestsPerMinute: 10,
      scriptUrl: 'https://cdn.iflychat.com/js/iflychat-v2.min.js',
      locked: { keys: [], roleMap: [], contentTypes: [] },
      encryptedAtRest: true,
      revision: 0,
    });
  });

  it('rejects bad input with a 400 naming each field, and saves nothing', async () => {
    const response = await saveSettings(
      admin,
      validSettings({
        apiVersion: '3',
        baseUrl: 'not a url',
        roleMap: { public: '' },
        contentTypes: {
          [COMMUNITY]: { ...communityBinding, roomIdField: 'isPrivate', roomName: '{missing}' },
          'api::group.group': { ...communityBinding, roomRole: 'nobody' },
        },
      })
    );
    expect(response.status).toBe(400);
    expect(response.json.error.name).toBe('ValidationError');
    const paths = response.json.error.details.errors.map((error: { path: string[] }) =>
      error.path.join('.')
    );
    expect(paths).toEqual([
      'apiVersion',
      'baseUrl',
      'roleMap.public',
      'contentTypes.api::group.group.roomRole',
    ]);

    const again = await saveSettings(
      admin,
      validSettings({
        contentTypes: {
          [COMMUNITY]: { ...communityBinding, roomIdField: 'isPrivate', roomName: '{missing}' },
        },
      })
    );
    expect(again.status).toBe(400);
    expect(again.json.error.details.errors).toEqual([
      expect.objectContaining({
        path: ['contentTypes', COMMUNITY, 'roomIdField'],
        message: '"isPrivate" is a boolean attribute; it must be string, integer or biginteger',
      }),
      expect.objectContaining({
        path: ['contentTypes', COMMUNITY, 'roomName'],
        message: '{missing} is not an attribute of api::community.community',
      }),
    ]);
    expect((await admin.get('/iflychat/settings')).json.data.contentTypes).toEqual({});

    // The identity attributes must exist on the user model with the right type.
    const identity = await saveSettings(
      admin,
      validSettings({
        userAvatarField: 'email',
        chatAdminAttribute: 'password',
        chatModeratorAttribute: 'username',
        chatAdminUsernames: ['ada', ''],
      })
    );
    expect(identity.status).toBe(400);
    expect(identity.json.error.details.errors).toEqual([
      expect.objectContaining({ path: ['chatAdminUsernames', '1'] }),
    ]);
    const model = await saveSettings(
      admin,
      validSettings({
        userAvatarField: 'email',
        chatAdminAttribute: 'password',
        chatModeratorAttribute: 'username',
      })
    );
    expect(model.status).toBe(400);
    expect(model.json.error.details.errors).toEqual([
      expect.objectContaining({
        path: ['userAvatarField'],
        message: '"email" is not a single-media attribute of the user',
      }),
      expect.objectContaining({
        path: ['chatAdminAttribute'],
        message: '"password" is not a boolean attribute of the user',
      }),
      expect.objectContaining({
        path: ['chatModeratorAttribute'],
        message: '"username" is not a boolean attribute of the user',
      }),
    ]);
    expect((await admin.get('/iflychat/settings')).json.data.chatAdminAttribute).toBeUndefined();
  });

  it('saves, masks the key, and stores it encrypted', async () => {
    const response = await saveSettings(admin, validSettings({ apiKey: API_KEY }));
    expect(response.status).toBe(200);
    expect(response.json.data.apiKey).toEqual({
      configured: true,
      last4: 'f3a9c'.slice(-4),
      source: 'admin',
    });
    expect(response.json.data.contentTypes[COMMUNITY]).toEqual({
      ...communityBinding,
      roomPer: 'document',
      onUnpublish: 'keep',
      onDelete: 'keep',
    });

    const stored = await pg.strapi.db
      .query('strapi::core-store')
      .findOne({ where: { key: 'plugin_iflychat_settings' } });
    expect(stored.value).not.toContain(API_KEY);
    expect(JSON.parse(stored.value).apiKey).toEqual({
      value: expect.stringMatching(/^v2:[0-9a-f]{32}:[0-9a-f]{24}:[0-9a-f]+:[0-9a-f]{32}$/),
      encrypted: true,
    });
  });

  it('an empty key field keeps the stored key; clearing is explicit', async () => {
    const kept = await saveSettings(admin, validSettings({ apiKey: '' }));
    expect(kept.json.data.apiKey.configured).toBe(true);
    const untouched = await saveSettings(admin, validSettings());
    expect(untouched.json.data.apiKey.configured).toBe(true);
    const cleared = await saveSettings(admin, validSettings({ clearApiKey: true }));
    expect(cleared.json.data.apiKey).toEqual({ configured: false, last4: null, source: null });
    const back = await saveSettings(admin, validSettings({ apiKey: API_KEY }));
    expect(back.json.data.apiKey.configured).toBe(true);
  });

  it('saves the delivery tuning within the bounds of config/plugins.ts', async () => {
    const refused = await saveSettings(
      admin,
      validSettings({ timeoutMs: 99, concurrency: 65, maxAttempts: 0, maxRequestsPerSecond: 0 })
    );
    expect(refused.status).toBe(400);
    expect(
      refused.json.error.details.errors.map((error: { path: string[] }) => error.path.join('.'))
    ).toEqual(['timeoutMs', 'concurrency', 'maxAttempts', 'maxRequestsPerSecond']);

    const saved = await saveSettings(
      admin,
      validSettings({ timeoutMs: 5000, concurrency: 2, maxAttempts: 3, maxRequestsPerSecond: 2.5 })
    );
    expect(saved.status).toBe(200);
    expect(saved.json.data).toMatchObject({
      timeoutMs: 5000,
      concurrency: 2,
      maxAttempts: 3,
      maxRequestsPerSecond: 2.5,
    });
    // In force at once: the worker reads them from the settings service.
    await expect(pg.strapi.plugin('iflychat').service('settings').get()).resolves.toMatchObject({
      timeoutMs: 5000,
      concurrency: 2,
      maxAttempts: 3,
      maxRequestsPerSecond: 2.5,
    });

    // Emptied, the rate limit is gone; the others are back to what the next tests expect.
    const reset = await saveSettings(
      admin,
      validSettings({ apiKey: undefined, maxRequestsPerSecond: null })
    );
    expect(reset.json.data).toMatchObject({ timeoutMs: 2000, maxRequestsPerSecond: null });
    await expect(pg.strapi.plugin('iflychat').service('settings').get()).resolves.toMatchObject({
      maxRequestsPerSecond: undefined,
    });
  });

  it('takes effect for the next publish without a restart', async () => {
    const authenticated = await roleId(pg.strapi, 'authenticated');
    const doc = await pg.strapi
      .documents(COMMUNITY)
      .create({ data: { name: 'Configured in the admin', audience: authenticated } as never });
    await pg.strapi.documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    const [request] = emulator.requestsTo('/room/create');
    expect(request.body).toMatchObject({ room_name: 'Configured in the admin', room_role: '2' });
    const rows = await entryRows(pg.strapi, COMMUNITY, doc.documentId);
    expect(rows.every((row) => String(row.roomId) === String(emulator.rooms[0].room_id))).toBe(
      true
    );
  });
});

describe('test connection', () => {
  it('ok with the stored key', async () => {
    const response = await admin.post('/iflychat/settings/test-connection', {});
    expect(response.status).toBe(200);
    expect(response.json.data).toMatchObject({ outcome: 'ok', rooms: expect.any(Number) });
  });

  it('invalid key with an entered wrong key', async () => {
    const response = await admin.post('/iflychat/settings/test-connection', {
      apiKey: 'wrong-key-000000',
    });
    expect(response.json.data.outcome).toBe('invalid-key');
    expect(response.json.data.message).toBe('iFlyChat refused the API key (HTTP 403).');
    expect(response.text).not.toContain('wrong-key-000000');
  });

  it('unreachable when nothing listens (another base URL needs the key typed again)', async () => {
    const response = await admin.post('/iflychat/settings/test-connection', {
      baseUrl: 'http://127.0.0.1:9',
      apiKey: API_KEY,
    });
    expect(response.json.data.outcome).toBe('unreachable');
    expect(response.json.data.message).toMatch(/^No answer from this base URL/);
  });

  it('400 for a bad base URL', async () => {
    const response = await admin.post('/iflychat/settings/test-connection', { baseUrl: 'nope' });
    expect(response.status).toBe(400);
    expect(response.json.error.details.errors[0].path).toEqual(['baseUrl']);
  });
});

describe('site helpers', () => {
  it('lists the content types that can be bound, with the attributes for each role', async () => {
    const response = await admin.get('/iflychat/content-types');
    expect(response.status).toBe(200);
    const community = response.json.data.find((type: { uid: string }) => type.uid === COMMUNITY);
    expect(community).toEqual({
      uid: COMMUNITY,
      displayName: 'Community',
      nameFields: ['name', 'description', 'roomId'],
      roomIdFields: ['name', 'roomId'],
      roleFields: ['name', 'audience'],
      booleanFields: ['isPrivate', 'isModerated'],
      memberFields: ['members'],
      localized: false,
      localizedRoomIdFields: [],
    });
    expect(response.json.data.map((type: { uid: string }) => type.uid)).toEqual([
      COMMUNITY,
      'api::group.group',
      'api::topic.topic',
    ]);
    // A translated type says which room id fields hold a value per locale.
    const topic = response.json.data.find(
      (type: { uid: string }) => type.uid === 'api::topic.topic'
    );
    expect(topic).toMatchObject({
      localized: true,
      roomIdFields: ['title', 'roomId', 'localeRoomId'],
      localizedRoomIdFields: ['title', 'localeRoomId'],
    });
  });

  it('lists the users-permissions roles', async () => {
    const response = await admin.get('/iflychat/roles');
    expect(response.json.data.map((role: { type: string }) => role.type)).toEqual([
      'authenticated',
      'public',
    ]);
  });

  it('previews a room name on the latest entry', async () => {
    const response = await admin.post('/iflychat/preview-room-name', {
      uid: COMMUNITY,
      roomName: 'Chat: {name}',
    });
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual({
      preview: 'Chat: Configured in the admin',
      documentId: expect.any(String),
    });
    const bad = await admin.post('/iflychat/preview-room-name', {
      uid: 'api::nope.nope',
      roomName: '{name}',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.errors[0].path).toEqual(['uid']);
  });
});
