/**
 * Moderation in the real admin panel (built playground, Debian's Chromium), against the
 * emulator: the room panel's online list with Kick and Ban, its last messages and Export
 * transcript, the Chat users page with Unban; an Editor sees none of it.
 */
import fs from 'node:fs';

import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, logIn, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';
import { addSiteUser } from '../helpers/site-users';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let documentId: string;
let roomId: string;
let alice: { id: number };
let bob: { id: number };

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator),
    listen: true,
    admin: true,
  });
  await adminSession(pg); // registers the first admin
  const audience = await roleId(pg.strapi, 'authenticated');
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name: 'Birdwatchers', audience } as never });
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  documentId = doc.documentId;
  roomId = String((await entryRows(pg.strapi, COMMUNITY, documentId))[0].roomId);
  alice = await addSiteUser(pg.strapi, 'alice', 'authenticated', 'Alice-Pass-1');
  bob = await addSiteUser(pg.strapi, 'bob', 'authenticated', 'Bob-Pass-1');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'moderation-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

const editView = () =>
  `${pg.url}/admin/content-manager/collection-types/${COMMUNITY}/${documentId}`;
const moderation = (on: Page) => on.getByRole('region', { name: 'Moderation' });
const onlineList = () => moderation(page).getByRole('list', { name: 'Online in this room' });

it('the room panel lists who is online, kicks, bans and exports the transcript', async () => {
  emulator.online(roomId, { user_id: `strapi-${alice.id}`, user_name: 'alice' });
  emulator.online(roomId, { user_id: `strapi-${bob.id}`, user_name: 'bob', ip: '203.0.113.7' });
  emulator.say(roomId, `strapi-${alice.id}`, 'Saw a kingfisher today');

  await logIn(page, pg.url, ADMIN_CREDENTIALS);
  await page.goto(editView());
  const panel = moderation(page);
  await panel.getByText('Saw a kingfisher today').waitFor();
  const aliceRow = onlineList().getByRole('listitem').filter({ hasText: 'alice' });
  await aliceRow.waitFor();
  await screenshot(page, 'moderation-01-panel');

  await aliceRow.getByRole('button', { name: 'Kick' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Kick' }).click();
  await page.getByText('alice was kicked').waitFor();
  await waitFor(() => !emulator.moderation.online[roomId]?.includes(`strapi-${alice.id}`));
  await waitFor(
    async () =>
      (await onlineList().getByRole('listitem').filter({ hasText: 'alice' }).count()) === 0
  );

  const bobRow = onlineList().getByRole('listitem').filter({ hasText: 'bob' });
  await bobRow.getByRole('button', { name: 'Ban' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('checkbox', { name: /Also ban their IP address/ }).click();
  await dialog.getByRole('button', { name: 'Ban' }).click();
  await page.getByText('bob was banned').waitFor();
  await waitFor(() => emulator.moderation.banned.includes(`strapi-${bob.id}`));
  await waitFor(() => emulator.moderation.bannedIps.includes('203.0.113.7'));

  const download = page.waitForEvent('download');
  await panel.getByRole('button', { name: 'Export transcript' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`iflychat-room-${roomId}-transcript.csv`);
  const text = fs.readFileSync(await file.path(), 'utf8');
  expect(text.split('\r\n')[0]).toBe('time,fromId,fromName,message,messageId');
  expect(text).toContain('Saw a kingfisher today');
  await screenshot(page, 'moderation-02-after-actions');
});

it('the Chat users page lists the banned user, unbans them and shows the log', async () => {
  await page.goto(`${pg.url}/admin`);
  await page.getByRole('link', { name: 'Chat users' }).first().click();
  await page.getByRole('heading', { name: 'Chat users' }).waitFor();
  const banned = page.getByRole('region', { name: 'Banned', exact: true });
  const row = banned.getByRole('row').filter({ hasText: `strapi-${bob.id}` });
  await row.waitFor();
  const log = page.getByRole('region', { name: 'Moderation log' });
  await log.getByRole('row').filter({ hasText: 'kick' }).first().waitFor();
  await screenshot(page, 'moderation-03-chat-users');

  await row.getByRole('button', { name: 'Unban' }).click();
  await page.getByText('bob was unbanned').waitFor();
  await waitFor(() => !emulator.moderation.banned.includes(`strapi-${bob.id}`));
  await page.getByText('Nobody is banned.').waitFor();
  await log.getByRole('row').filter({ hasText: 'unban' }).first().waitFor();

  // The IP banned with bob (the dialog's checkbox) is listed apart, and unbanned on its own.
  const ipRow = banned.getByRole('row').filter({ hasText: '203.0.113.7' });
  await ipRow.getByRole('button', { name: 'Unban' }).click();
  await page.getByText('203.0.113.7 was unbanned').waitFor();
  await waitFor(() => !emulator.moderation.bannedIps.includes('203.0.113.7'));
  await page.getByText('No IP is banned.').waitFor();
});

it('an Editor sees neither the panel part nor the page, and calls nothing', async () => {
  const credentials = await createAdminUser(pg, 'mod-editor@example.com', ['strapi-editor']);
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const editor = await context.newPage();
  editor.setDefaultTimeout(30_000);
  const calls: string[] = [];
  editor.on('request', (request) => {
    if (request.url().includes('/iflychat/moderation/')) calls.push(request.url());
  });
  try {
    await logIn(editor, pg.url, credentials);
    await editor.goto(editView());
    await editor.getByRole('region', { name: 'iFlyChat room' }).waitFor();
    expect(await moderation(editor).count()).toBe(0);
    expect(await editor.getByRole('link', { name: 'Chat users' }).count()).toBe(0);
    await editor.goto(`${pg.url}/admin/plugins/iflychat-chat-users`);
    await editor.getByText(/don't have the permissions|do not have the permissions/i).waitFor();
    expect(await editor.getByRole('heading', { name: 'Chat users' }).count()).toBe(0);
    expect(calls).toEqual([]);
    await screenshot(editor, 'moderation-04-editor');
  } finally {
    await context.close();
  }
});
