/**
 * The Rooms page (main menu → iFlyChat) in the real admin panel (built playground, Debian's
 * Chromium), against the emulator: the list, the Failed filter, Retry failed, and deleting an
 * orphan room; an Editor sees neither the menu link nor the page.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, logIn, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, { maxAttempts: 1 }),
    listen: true,
    admin: true,
  });
  await adminSession(pg); // registers the first admin
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'rooms-page-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

async function community(name: string) {
  const audience = await roleId(pg.strapi, 'authenticated');
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

const roomsPage = () => `${pg.url}/admin/plugins/iflychat`;
const rowOf = (title: string) => page.getByRole('row').filter({ hasText: title });

it('lists the rooms, filters the failed one and retries it', async () => {
  await community('Open lounge');
  emulator.configure({ faults: [{ kind: 'status', status: 400, path: '/room/create' }] });
  await community('Refused lounge');
  emulator.configure({ faults: [] });

  await logIn(page, pg.url, ADMIN_CREDENTIALS);
  await page.getByRole('link', { name: 'iFlyChat' }).first().click();
  await page.getByRole('heading', { name: 'Chat rooms' }).waitFor();
  await rowOf('Open lounge').getByText('Created', { exact: true }).waitFor();
  await rowOf('Refused lounge').getByText('Failed', { exact: true }).waitFor();
  await screenshot(page, 'rooms-page-01-list');

  // Search by room name: the server answers the one room.
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('input[name="search"]').fill('open');
  await page.keyboard.press('Enter');
  await page.waitForURL(/_q=open/);
  await waitFor(async () => (await rowOf('Refused lounge').count()) === 0);
  await rowOf('Open lounge').waitFor();
  await page.goto(roomsPage());
  await rowOf('Refused lounge').waitFor();

  // Only the failed room under the Failed filter.
  await page.getByRole('combobox', { name: 'Show' }).click();
  await page.getByRole('option', { name: 'Failed' }).click();
  await page.waitForURL(/filter=failed/);
  await waitFor(async () => (await rowOf('Open lounge').count()) === 0);
  await rowOf('Refused lounge').waitFor();
  await screenshot(page, 'rooms-page-02-failed');

  await page.getByRole('button', { name: 'Retry failed' }).click();
  await page.getByText('1 failed room queued again').waitFor();
  await settle(pg.strapi);
  await waitFor(() => emulator.rooms.some((room) => room.room_name === 'Refused lounge'));
  await page.reload();
  await page.getByText('No room matches').waitFor();
  expect(await rowOf('Refused lounge').count()).toBe(0);
});

it('finds an orphan room and deletes it after a confirmation', async () => {
  const response = await fetch(`${emulator.url}/api/1.1/room/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: emulator.apiKey, room_name: 'Forgotten room', room_role: '0' }),
  });
  const orphan = String(((await response.json()) as { room_id: number }).room_id);

  await page.goto(roomsPage());
  await page.getByRole('button', { name: 'Find orphan rooms' }).click();
  const row = rowOf('Forgotten room');
  await row.waitFor();
  expect(await rowOf('Open lounge').filter({ hasText: 'Delete' }).count()).toBe(0);
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText(`Room ${orphan} deleted`).waitFor();
  await waitFor(() => !emulator.rooms.some((room) => String(room.room_id) === orphan));
  await page.getByText(/Every room in iFlyChat \(\d+\) belongs to an entry/).waitFor();
  await screenshot(page, 'rooms-page-03-orphan-deleted');
});

it('an Editor sees neither the menu link nor the page', async () => {
  const credentials = await createAdminUser(pg, 'rooms-editor@example.com', ['strapi-editor']);
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const editor = await context.newPage();
  editor.setDefaultTimeout(30_000);
  const listCalls: string[] = [];
  editor.on('request', (request) => {
    if (request.url().includes('/iflychat/rooms/list')) listCalls.push(request.url());
  });
  try {
    await logIn(editor, pg.url, credentials);
    await editor.getByRole('link', { name: 'Content Manager' }).first().waitFor();
    expect(await editor.getByRole('link', { name: 'iFlyChat' }).count()).toBe(0);
    await editor.goto(roomsPage());
    await editor.getByText(/don't have the permissions|do not have the permissions/i).waitFor();
    expect(await editor.getByRole('heading', { name: 'Chat rooms' }).count()).toBe(0);
    expect(listCalls).toEqual([]);
    await screenshot(editor, 'rooms-page-04-editor');
  } finally {
    await context.close();
  }
});
