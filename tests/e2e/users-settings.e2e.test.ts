/**
 * Settings → iFlyChat, the parts for site users, in the real admin panel: the app id in clear,
 * a chat role beside the role map, the token and identity settings with their checks, the line
 * saying for which roles the token route is enabled, and room events ticked on a Strapi webhook.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
  // The API key and the binding come from the config file; the rest is set on the page.
  const { apiKey, baseUrl, contentTypes } = playgroundConfig(emulator);
  pg = await bootPlayground({
    pluginConfig: { apiKey, baseUrl, contentTypes },
    listen: true,
    admin: true,
  });
  admin = await adminSession(pg);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'users-settings-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

it('sets the app id, chat roles and token settings, and ticks room events on a webhook', async () => {
  const hook = await admin.post('/admin/webhooks', {
    name: 'Site rebuild',
    url: 'http://127.0.0.1:9999/rebuild',
    headers: {},
    events: ['entry.publish'],
  });
  expect(hook.status).toBe(201);
  await pg.strapi.db.query('plugin::users-permissions.permission').create({
    data: {
      action: 'plugin::iflychat.token.generate',
      role: await roleId(pg.strapi, 'authenticated'),
    },
  });

  await page.goto(`${pg.url}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(ADMIN_CREDENTIALS.email);
  await page.locator('input[name="password"]').fill(ADMIN_CREDENTIALS.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/admin(\/)?$/);
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Site users in the rooms' }).waitFor();
  await page.getByText('The token route is enabled for: Authenticated.').waitFor();

  await page.getByLabel('App id').fill('app-public-42');
  await page.getByLabel('Authenticated', { exact: true }).fill('2');
  await page.getByRole('combobox', { name: 'Authenticated in the chat' }).click();
  await page.getByRole('option', { name: 'Moderator', exact: true }).click();
  await page.getByLabel('Name attribute').fill('password');
  await page.getByLabel('Avatar URL').fill('https://example.com/a/{id}.png');
  await page.getByRole('button', { name: 'Save' }).click();
  // The same checks as the config file, on the field.
  await page.getByText('must not be a secret attribute of the user').waitFor();
  await page.getByLabel('Name attribute').fill('email');
  // Identity: the server checks each attribute against the user model and names the field.
  await page.getByLabel('Avatar media field').fill('username');
  await page.getByLabel('Chat moderator attribute').fill('email');
  await page.getByLabel('Chat admins (usernames)').fill('grace, linus');
  await page.getByRole('combobox', { name: 'Gravatar' }).click();
  await page.getByRole('option', { name: 'On', exact: true }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('"username" is not a single-media attribute of the user').waitFor();
  await page.getByText('"email" is not a boolean attribute of the user').waitFor();
  await page.getByLabel('Avatar media field').fill('avatar');
  await page.getByLabel('Chat moderator attribute').fill('chatModerator');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();

  await page.reload();
  await page.getByRole('heading', { name: 'Site users in the rooms' }).waitFor();
  await expect(page.getByLabel('App id').inputValue()).resolves.toBe('app-public-42');
  await expect(
    page.getByRole('combobox', { name: 'Authenticated in the chat' }).innerText()
  ).resolves.toContain('Moderator');
  await expect(page.getByLabel('Name attribute').inputValue()).resolves.toBe('email');
  const { data: view } = (await admin.get('/iflychat/settings')).json;
  expect(view).toMatchObject({
    appIdValue: 'app-public-42',
    chatRoleMap: { authenticated: 'moderator' },
    userNameAttribute: 'email',
    userAvatarUrl: 'https://example.com/a/{id}.png',
    userAvatarField: 'avatar',
    userAvatarGravatar: true,
    chatModeratorAttribute: 'chatModerator',
    chatAdminUsernames: ['grace', 'linus'],
  });
  await expect(page.getByLabel('Chat admins (usernames)').inputValue()).resolves.toBe(
    'grace,linus'
  );
  await screenshot(page, 'users-settings-saved');

  // Room events, ticked on the webhook through Strapi's webhooks API.
  const events = page.getByRole('region', { name: 'Room events' });
  await events.getByRole('checkbox', { name: /Site rebuild/ }).click();
  const ticked = async () => (await admin.get('/admin/webhooks')).json.data[0].events as string[];
  const all = [
    'entry.publish',
    'iflychat-room.created',
    'iflychat-room.updated',
    'iflychat-room.deleted',
    'iflychat-room.failed',
  ];
  await waitFor(async () => JSON.stringify(await ticked()) === JSON.stringify(all));
  await events.getByRole('checkbox', { name: /Site rebuild/ }).click();
  await waitFor(async () => JSON.stringify(await ticked()) === '["entry.publish"]');
  expect(await ticked()).toEqual(['entry.publish']);
});
