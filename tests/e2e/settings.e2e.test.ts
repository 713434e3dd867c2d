/**
 * A site owner configures the plugin in the real admin panel (built playground, Debian's
 * Chromium) and publishes a Community from the Content Manager.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  waitFor,
  type Playground,
} from '../helpers/playground';

const API_KEY = 'browser-entered-key-5b21';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  pg = await bootPlayground({ pluginConfig: {}, listen: true, admin: true });
  await adminSession(pg); // registers the first admin
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  // The last state of the page, for a person to look at when something failed.
  if (page) await screenshot(page, 'last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

async function pick(label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

it('configures iFlyChat from Settings and creates a room when a Community is published', async () => {
  await page.goto(`${pg.url}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(ADMIN_CREDENTIALS.email);
  await page.locator('input[name="password"]').fill(ADMIN_CREDENTIALS.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/admin(\/)?$/);

  // Settings → iFlyChat, through the menu as a user would.
  await page.getByRole('link', { name: 'Settings' }).first().click();
  // The Settings menu's link (the main menu has one of the same name, to the Rooms page).
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: 'iFlyChat' })
    .click();
  await page.waitForURL(/\/admin\/settings\/iflychat$/);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await screenshot(page, '01-settings-empty');

  // Connection.
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('Base URL').fill(emulator.url);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('status').getByText('Connected', { exact: true }).waitFor();
  expect(emulator.requestsTo('/rooms/list')).toHaveLength(1);
  expect(emulator.requestsTo('/rooms/list')[0].body.api_key).toBe(API_KEY);

  // Bind Community: rooms for a fixed role, private from its isPrivate field.
  await pick('Content type to bind', 'Community');
  await page.getByRole('button', { name: 'Bind content type' }).click();
  const binding = page.getByTestId(`binding-${COMMUNITY}`);
  await binding.waitFor();
  await expect(binding.getByLabel('Room name').inputValue()).resolves.toBe('{name}');
  await pick('Who the room is for', 'A fixed role');
  await pick('Role', 'Authenticated');
  await pick('Private', 'From a boolean field');
  await pick('Boolean field', 'isPrivate');

  // Role map.
  await page.getByLabel('Public', { exact: true }).fill('1');
  await page.getByLabel('Authenticated', { exact: true }).fill('2');
  await screenshot(page, '02-settings-filled');

  // From here on, nothing the browser receives may contain the key.
  const received: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/iflychat/')) {
      void response.text().then(
        (text) => received.push(text),
        () => undefined
      );
    }
  });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();

  // Reload: the values are back, the key masked and absent from the page.
  await page.reload();
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await expect(page.getByLabel('API key').inputValue()).resolves.toBe(
    `••••••••${API_KEY.slice(-4)}`
  );
  await expect(page.getByLabel('Base URL').inputValue()).resolves.toBe(emulator.url);
  await expect(page.getByLabel('Authenticated', { exact: true }).inputValue()).resolves.toBe('2');
  await page.getByTestId(`binding-${COMMUNITY}`).waitFor();
  expect(await page.content()).not.toContain(API_KEY);
  await screenshot(page, '03-settings-saved');

  // The stored key only goes to the base URL it was saved with: another one asks for the key.
  await page.getByLabel('Base URL').fill('https://api2.iflychat.com');
  await page.getByText('Type the API key again').waitFor();
  await expect(page.getByLabel('API key').inputValue()).resolves.toBe('');
  await screenshot(page, '03b-settings-retype-key');
  await page.getByLabel('Base URL').fill(emulator.url);
  await page.getByRole('button', { name: 'Keep current' }).click();
  await expect(page.getByLabel('API key').inputValue()).resolves.toBe(
    `••••••••${API_KEY.slice(-4)}`
  );
  expect(received.length).toBeGreaterThanOrEqual(4);
  for (const body of received) expect(body).not.toContain(API_KEY);

  // Publish a Community in the Content Manager.
  await page.goto(`${pg.url}/admin/content-manager/collection-types/${COMMUNITY}/create`);
  // Bound on the settings page: its room id field is read-only in the Content Manager.
  await page.getByLabel('roomId').waitFor();
  await expect(page.getByLabel('roomId').isEditable()).resolves.toBe(false);
  await page.getByLabel('name').fill('Browser room');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published').first().waitFor();

  const room = await waitFor(() => emulator.rooms.find((r) => r.room_name === 'Browser room'));
  expect(room).toMatchObject({ room_role: '2', room_private: '0', room_moderate: '0' });
  const [created] = emulator.requestsTo('/room/create');
  expect(created.body.api_key).toBe(API_KEY);

  const documentId = new URL(page.url()).pathname.split('/').pop()!;
  const rows = await waitFor(async () => {
    const found = await entryRows(pg.strapi, COMMUNITY, documentId);
    return found.length === 2 && found.every((row) => row.roomId) ? found : null;
  });
  expect(rows.map((row) => String(row.roomId))).toEqual([
    String(room.room_id),
    String(room.room_id),
  ]);
  await page.reload();
  await page.getByLabel('roomId').waitFor();
  await expect(page.getByLabel('roomId').inputValue()).resolves.toBe(String(room.room_id));
  await screenshot(page, '04-community-published');
});

it('creates rooms for existing entries from the binding, with its progress', async () => {
  // Published while the content type was not bound: no room yet.
  const audience = await pg.strapi.db
    .query('plugin::users-permissions.role')
    .findOne({ where: { type: 'authenticated' } });
  const now = new Date();
  const older = await pg.strapi.db.query(COMMUNITY).create({
    data: {
      name: 'Older community',
      audience: audience.id,
      publishedAt: now,
      createdAt: now,
      updatedAt: now,
    },
  });
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  const backfill = page.getByTestId(`backfill-${COMMUNITY}`);
  await backfill.getByText('1 of 2 published entries have a room · 0 failed · 1 to go').waitFor();
  await backfill.getByRole('button', { name: 'Create rooms for existing entries' }).click();
  await backfill.getByText('2 of 2 published entries have a room · 0 failed · 0 to go').waitFor();
  await screenshot(page, '05-backfill-done');
  const room = await waitFor(() => emulator.rooms.find((r) => r.room_name === 'Older community'));
  const rows = await entryRows(pg.strapi, COMMUNITY, older.documentId);
  expect(String(rows[0].roomId)).toBe(String(room.room_id));
});

it('asks before leaving with unsaved changes', async () => {
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await page.getByLabel('Public', { exact: true }).fill('7');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByText('Leave without saving?').waitFor();
  await screenshot(page, '06-unsaved-changes');
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(new URL(page.url()).pathname).toBe('/admin/settings/iflychat');
  await expect(page.getByLabel('Public', { exact: true }).inputValue()).resolves.toBe('7');

  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(/\/admin\/settings\/webhooks$/);
});

it('tunes delivery in the collapsed Delivery section, with the bounds of config/plugins.ts', async () => {
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  const section = page.getByRole('region', { name: 'Delivery' });
  const toggle = section.getByRole('button', { name: /Delivery/ });
  // Collapsed: its fields are not on the page until it is opened.
  await expect(toggle.getAttribute('aria-expanded')).resolves.toBe('false');
  expect(await page.getByLabel('Calls at the same time').count()).toBe(0);
  await toggle.click();
  const timeout = section.getByLabel('Time limit of one call (ms)');
  await expect(timeout.inputValue()).resolves.toBe('10,000');
  await section.getByText('From 100 to 120000.', { exact: false }).first().waitFor();
  await section.getByText('More than 0, at most 1000.', { exact: false }).waitFor();
  await expect(section.getByLabel('Calls per second').inputValue()).resolves.toBe('');
  await screenshot(page, '06a-delivery-open');

  // Out of bounds: each field says what is wrong, and nothing is saved.
  await timeout.fill('50');
  await section.getByLabel('Calls at the same time').fill('65');
  await page.getByRole('button', { name: 'Save' }).click();
  await section.getByText('Too small: expected number to be >=100').waitFor();
  await section.getByText('Too big: expected number to be <=64').waitFor();
  await screenshot(page, '06b-delivery-errors');
  const stored = await pg.strapi.plugin('iflychat').service('settings').get();
  expect(stored).toMatchObject({ timeoutMs: 10_000, concurrency: 4 });

  await timeout.fill('5000');
  await section.getByLabel('Calls at the same time').fill('2');
  await section.getByLabel('Attempts').fill('5');
  await section.getByLabel('Calls per second').fill('2.5');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();
  await expect(pg.strapi.plugin('iflychat').service('settings').get()).resolves.toMatchObject({
    timeoutMs: 5000,
    concurrency: 2,
    maxAttempts: 5,
    maxRequestsPerSecond: 2.5,
  });

  // After a reload the section is collapsed again and holds the saved values.
  await page.reload();
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await section.getByRole('button', { name: /Delivery/ }).click();
  await expect(timeout.inputValue()).resolves.toBe('5,000');
  await expect(section.getByLabel('Calls per second').inputValue()).resolves.toBe('2.5');
  // Emptying the rate limit removes it.
  await section.getByLabel('Calls per second').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();
  await expect(pg.strapi.plugin('iflychat').service('settings').get()).resolves.toMatchObject({
    maxRequestsPerSecond: undefined,
  });
});

it('speaks French when the admin does', async () => {
  await page.evaluate("localStorage.setItem('strapi-admin-language', 'fr')");
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await page.getByRole('heading', { name: 'Correspondance des rôles' }).waitFor();
  await page.getByRole('button', { name: 'Tester la connexion' }).waitFor();
  await screenshot(page, '07-settings-french');
  await page.evaluate("localStorage.setItem('strapi-admin-language', 'en')");
});

async function loginInNewContext(email: string, password: string) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const other = await context.newPage();
  other.setDefaultTimeout(30_000);
  await other.goto(`${pg.url}/admin/auth/login`);
  await other.locator('input[name="email"]').fill(email);
  await other.locator('input[name="password"]').fill(password);
  await other.getByRole('button', { name: 'Login' }).click();
  await other.waitForURL(/\/admin(\/)?$/);
  return other;
}

it('shows the page read-only to a role with settings.read only', async () => {
  const role = await pg.strapi
    .service('admin::role')
    .create({ name: 'Chat viewers', description: 'May look at the iFlyChat settings' });
  await pg.strapi
    .service('admin::role')
    .assignPermissions(role.id, [{ action: 'plugin::iflychat.settings.read' }]);
  const viewerAccount = await createAdminUser(pg, 'viewer@example.com', [role.id]);
  const viewer = await loginInNewContext(viewerAccount.email, viewerAccount.password);
  await viewer.goto(`${pg.url}/admin/settings/iflychat`);
  await viewer.getByRole('heading', { name: 'Connection' }).waitFor();
  await viewer.getByText('Read only', { exact: true }).waitFor();
  expect(await viewer.getByRole('button', { name: 'Save' }).count()).toBe(0);
  expect(await viewer.getByRole('button', { name: 'Replace' }).count()).toBe(0);
  await expect(viewer.getByLabel('Base URL').isDisabled()).resolves.toBe(true);
  await expect(viewer.getByLabel('Authenticated', { exact: true }).isDisabled()).resolves.toBe(
    true
  );
  await screenshot(viewer, '08-settings-read-only');
  await viewer.context().close();
});

it('hides the page from an Editor', async () => {
  const editorAccount = await createAdminUser(pg, 'editor@example.com', ['strapi-editor']);
  const editor = await loginInNewContext(editorAccount.email, editorAccount.password);
  await editor.goto(`${pg.url}/admin/settings`);
  await editor.getByText('Settings', { exact: true }).first().waitFor();
  expect(await editor.getByRole('link', { name: 'iFlyChat' }).count()).toBe(0);
  await editor.goto(`${pg.url}/admin/settings/iflychat`);
  await editor.getByText("You don't have the permissions to access that content").waitFor();
  expect(await editor.getByRole('heading', { name: 'Connection' }).count()).toBe(0);
  await editor.context().close();
});
