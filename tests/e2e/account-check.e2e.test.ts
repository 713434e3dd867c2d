/**
 * A site owner checks their iFlyChat account from Settings → iFlyChat in the real admin panel
 * (built playground, Debian's Chromium): every call works, a plan that refuses room creation,
 * a throwaway room that could not be deleted, and the button out of reach of a read-only role.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  createAdminUser,
  type Playground,
} from '../helpers/playground';

const API_KEY = 'browser-check-key-81c4';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  pg = await bootPlayground({ pluginConfig: {}, listen: true, admin: true });
  await adminSession(pg); // registers the first admin
  browser = await launchBrowser();
  page = await login(ADMIN_CREDENTIALS.email, ADMIN_CREDENTIALS.password);
});

afterAll(async () => {
  if (page) await screenshot(page, 'account-check-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

async function login(email: string, password: string): Promise<Page> {
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

/** Clicks the button and waits for the new result (the old one goes while the check runs). */
async function runCheck(): Promise<ReturnType<Page['getByRole']>> {
  const results = page.getByRole('region', { name: 'Account check' });
  await page.getByRole('button', { name: 'Check my account' }).click();
  await results.waitFor();
  return results;
}

it('checks every call with the key typed in, and shows one line per call', async () => {
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await page.getByLabel('API key').fill(API_KEY);
  await page.getByLabel('App id').fill('browser-app-1');
  await page.getByLabel('Base URL').fill(emulator.url);

  const results = await runCheck();
  await results.getByText('Every call the settings need works.').waitFor();
  for (const line of [
    'Create a room: works',
    'Edit the room: works',
    'Find the room in the room list: works',
    'Delete the room: works',
    'Issue a chat token: works',
    'Delete the chat token: works',
  ]) {
    await results.getByText(line, { exact: true }).waitFor();
  }
  expect(emulator.requestsTo('room/create')[0].body.api_key).toBe(API_KEY);
  expect(emulator.requestsTo('token/generate')[0].body.app_id).toBe('browser-app-1');
  expect(emulator.rooms).toEqual([]);
  expect(emulator.tokens).toEqual([]);
  await screenshot(page, 'account-check-01-works');
});

it('says which call the plan refuses, and which were not tried', async () => {
  emulator.configure({ plan: { name: 'free' } });
  const results = await runCheck();
  await results.getByText('1 of 6 calls do not work.').waitFor();
  await results
    .getByText('Create a room: refused by your iFlyChat plan (HTTP 403)', { exact: true })
    .waitFor();
  await results.getByText('Edit the room: not tried: no room was created').waitFor();
  await results.getByText('Find the room in the room list: works').waitFor();
  await screenshot(page, 'account-check-02-plan');
  emulator.configure({ plan: { name: 'enterprise' } });
});

it('names a throwaway room that could not be deleted', async () => {
  emulator.configure({ faults: [{ kind: 'status', status: 500, path: 'delete', times: 1 }] });
  const results = await runCheck();
  const leftover = results.getByText(/^The throwaway room \d+ could not be deleted/);
  await leftover.waitFor();
  expect(emulator.rooms).toHaveLength(1);
  await expect(leftover.textContent()).resolves.toBe(
    `The throwaway room ${emulator.rooms[0].room_id} could not be deleted: delete it in iFlyChat.`
  );
  await results
    .getByText('Delete the room: iFlyChat answered HTTP 500: try again later', { exact: true })
    .waitFor();
  await screenshot(page, 'account-check-03-leftover');
});

it('is out of reach of a role with settings.read only', async () => {
  const role = await pg.strapi
    .service('admin::role')
    .create({ name: 'Chat viewers', description: 'May look at the iFlyChat settings' });
  await pg.strapi
    .service('admin::role')
    .assignPermissions(role.id, [{ action: 'plugin::iflychat.settings.read' }]);
  const account = await createAdminUser(pg, 'check-viewer@example.com', [role.id]);
  const viewer = await login(account.email, account.password);
  await viewer.goto(`${pg.url}/admin/settings/iflychat`);
  await viewer.getByRole('heading', { name: 'Connection' }).waitFor();
  await expect(viewer.getByRole('button', { name: 'Check my account' }).isDisabled()).resolves.toBe(
    true
  );
  await viewer.context().close();
});
