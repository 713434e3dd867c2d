/**
 * Values from config/plugins.ts (or the environment) win over the admin, key by key, and cannot
 * be changed from the settings page.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  GROUP,
  playgroundConfig,
  saveSettings,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: 'config-file-key-0042' }).start();
  const config = playgroundConfig(emulator);
  pg = await bootPlayground({
    pluginConfig: {
      apiKey: config.apiKey,
      baseUrl: config.baseUrl,
      roleMap: { public: '1' },
      contentTypes: config.contentTypes,
      maxRequestsPerSecond: 50,
    },
    listen: true,
  });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

const groupBinding = {
  roomName: 'Group {name}',
  roomIdField: 'roomId',
  roomRole: 'everyone',
  private: false,
  moderate: false,
};

function body(overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 10000,
    concurrency: 4,
    maxAttempts: 8,
    maxRequestsPerSecond: 50,
    roleMap: { public: '1', authenticated: '2' },
    contentTypes: {
      [COMMUNITY]: playgroundConfig(emulator).contentTypes[COMMUNITY],
      [GROUP]: groupBinding,
    },
    ...overrides,
  };
}

it('shows which values come from the config file, without the key', async () => {
  const response = await admin.get('/iflychat/settings');
  expect(response.json.data).toMatchObject({
    apiKey: { configured: true, last4: '0042', source: 'config' },
    baseUrl: emulator.url,
    roleMap: { public: '1' },
    maxRequestsPerSecond: 50,
    locked: {
      keys: ['apiKey', 'baseUrl', 'maxRequestsPerSecond'],
      roleMap: ['public'],
      contentTypes: [COMMUNITY],
    },
  });
  expect(response.text).not.toContain('config-file-key-0042');
});

it('saves what is not locked and merges it under the config file', async () => {
  const response = await saveSettings(admin, body());
  expect(response.status).toBe(200);
  expect(response.json.data.roleMap).toEqual({ public: '1', authenticated: '2' });
  expect(Object.keys(response.json.data.contentTypes).sort()).toEqual([COMMUNITY, GROUP]);
});

it('refuses to change a locked value, naming it', async () => {
  const response = await saveSettings(
    admin,
    body({
      apiKey: 'another-key-123456',
      baseUrl: 'https://api2.iflychat.com',
      roleMap: { public: '9' },
      contentTypes: {
        [COMMUNITY]: {
          ...playgroundConfig(emulator).contentTypes[COMMUNITY],
          roomName: 'X {name}',
        },
      },
    })
  );
  expect(response.status).toBe(400);
  expect(response.json.error.details.errors).toEqual([
    expect.objectContaining({
      path: ['apiKey'],
      message: 'is set in config/plugins.ts (or the environment) and cannot be changed here',
    }),
    expect.objectContaining({ path: ['baseUrl'] }),
    expect.objectContaining({ path: ['roleMap', 'public'] }),
    expect.objectContaining({ path: ['contentTypes', COMMUNITY] }),
  ]);
  const faster = await saveSettings(admin, body({ maxRequestsPerSecond: 100 }));
  expect(faster.status).toBe(400);
  expect(faster.json.error.details.errors).toEqual([
    expect.objectContaining({ path: ['maxRequestsPerSecond'] }),
  ]);
  const clear = await saveSettings(admin, body({ clearApiKey: true }));
  expect(clear.status).toBe(400);
  expect(clear.json.error.details.errors[0].path).toEqual(['apiKey']);
  expect((await admin.get('/iflychat/settings')).json.data.apiKey.configured).toBe(true);
});
