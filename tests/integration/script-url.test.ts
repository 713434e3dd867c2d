/**
 * The widget script URL is an injection point: the front-end kit loads it on every page that
 * shows a room. Only iFlyChat's CDN, or a host `allowedScriptHosts` in config/plugins.ts names,
 * is accepted; the admin API can neither set another host nor change the list, and a value saved
 * before the check is not served.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  httpClient,
  playgroundConfig,
  waitFor,
  type Playground,
} from '../helpers/playground';

const APP_ID = 'script-app-5e2a';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      allowedScriptHosts: ['chat.example.com'],
    }),
  });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

const publicScript = async () => {
  const response = await httpClient(pg.url).get('/api/iflychat/config');
  expect(response.status).toBe(200);
  return response.json.data.scriptUrl as string;
};

/** The settings page's own values with `changes`, as the admin would send them. */
async function save(changes: Record<string, unknown>) {
  const view = (await admin.get('/iflychat/settings')).json.data;
  return admin.put('/iflychat/settings', {
    revision: view.revision,
    apiVersion: view.apiVersion,
    baseUrl: view.baseUrl,
    timeoutMs: view.timeoutMs,
    concurrency: view.concurrency,
    maxAttempts: view.maxAttempts,
    roleMap: {},
    contentTypes: {},
    ...changes,
  });
}

function errorsOf(response: { status: number; json: any }) {
  expect(response.status).toBe(400);
  expect(response.json.error.name).toBe('ValidationError');
  return response.json.error.details.errors.map((error: { path: string[]; message: string }) => [
    error.path.join('.'),
    error.message,
  ]);
}

it('serves https://cdn.iflychat.com by default', async () => {
  await expect(publicScript()).resolves.toBe(
    `https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=${APP_ID}`
  );
});

it.each([
  // A file in the Media Library, served by Strapi's own origin ('self' in most CSPs).
  ['Strapi itself', () => `${pg.url}/uploads/widget.js`],
  ['another host', () => 'https://evil.example/js/iflychat-v2.min.js'],
  ['a look-alike host', () => 'https://cdn.iflychat.com.evil.example/js/w.js'],
  ['credentials before the host', () => 'https://cdn.iflychat.com@evil.example/js/w.js'],
])('the admin API refuses a script on %s with 400 naming scriptUrl', async (_, url) => {
  const before = await publicScript();
  expect(errorsOf(await save({ scriptUrl: url() }))).toEqual([
    [
      'scriptUrl',
      expect.stringMatching(
        /^must (be on cdn\.iflychat\.com; another host must be listed in allowedScriptHosts in config\/plugins\.ts|be an https URL)/
      ),
    ],
  ]);
  await expect(publicScript()).resolves.toBe(before);
});

it('the admin API cannot change allowedScriptHosts: 400 naming the field', async () => {
  const refused = await save({
    allowedScriptHosts: ['evil.example'],
    scriptUrl: 'https://evil.example/js/w.js',
  });
  expect(errorsOf(refused)).toEqual(
    expect.arrayContaining([
      ['allowedScriptHosts', 'can only be set in config/plugins.ts, not from the admin panel'],
    ])
  );
  expect((await admin.get('/iflychat/settings')).json.data).not.toHaveProperty(
    'allowedScriptHosts'
  );
});

it('a host the configuration allows is saved and served, over https only', async () => {
  expect(errorsOf(await save({ scriptUrl: 'http://chat.example.com/w.js' }))).toEqual([
    ['scriptUrl', 'must be an https URL (plain http only for 127.0.0.1 or localhost)'],
  ]);
  const saved = await save({ scriptUrl: 'https://chat.example.com/w.js' });
  expect(saved.status).toBe(200);
  await expect(publicScript()).resolves.toBe(`https://chat.example.com/w.js?app_id=${APP_ID}`);
});

it('a script on another host saved before the check is not served', async () => {
  const store = pg.strapi.store({ type: 'plugin', name: 'iflychat' });
  const stored = (await store.get({ key: 'settings' })) as Record<string, unknown>;
  await store.set({
    key: 'settings',
    value: { ...stored, scriptUrl: 'https://evil.example/js/w.js' },
  });
  // The settings are read again within seconds (their cache).
  await waitFor(
    async () =>
      (await publicScript()) === `https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=${APP_ID}`,
    30_000
  );
});
