/**
 * The "iFlyChat room" side panel of the Content Manager's edit view, in the real admin panel
 * (built playground, Debian's Chromium), against the emulator: a room creation that iFlyChat
 * refuses, then fixed with "Retry now"; linking, unlinking and recreating; what an Editor and an
 * unbound type show.
 */
import type { Browser, Locator, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, logIn, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  GROUP,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';

/** What the emulator answers to room creations until the test fixes it. */
const REFUSAL = 'room_name is on the blocked list';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let documentId: string;
/** Every room status request the page makes, with its time. */
const statusRequests: number[] = [];

beforeAll(async () => {
  emulator = await createEmulator().start();
  // iFlyChat refuses every room creation with a 400: not worth retrying, the job fails at once.
  emulator.configure({
    faults: [{ kind: 'status', status: 400, path: '/room/create', body: REFUSAL }],
  });
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator),
    listen: true,
    admin: true,
  });
  await adminSession(pg); // registers the first admin
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname === '/iflychat/rooms') {
      statusRequests.push(Date.now());
    }
  });
});

afterAll(async () => {
  // The last state of the page, for a person to look at when something failed.
  if (page) await screenshot(page, 'room-panel-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

function editView(uid: string, id: string) {
  return `${pg.url}/admin/content-manager/collection-types/${uid}/${id}`;
}

function roomPanel(on: Page = page): Locator {
  return on.getByRole('region', { name: 'iFlyChat room' });
}

/** Waits until the panel's status badge reads `text`. */
async function statusIs(text: string, on: Page = page) {
  await roomPanel(on)
    .getByTestId('iflychat-room-status')
    .getByText(text, { exact: true })
    .waitFor();
}

async function roomIdShown(on: Page = page) {
  return (await roomPanel(on).getByTestId('iflychat-room-id').textContent())?.trim();
}

it('shows a refused room creation with its reason, and creates the room with "Retry now"', async () => {
  const audience = await roleId(pg.strapi, 'authenticated');
  const draft = await pg.strapi
    .documents(COMMUNITY)
    .create({ data: { name: 'Panel community', audience } as never });
  documentId = draft.documentId;

  await logIn(page, pg.url, ADMIN_CREDENTIALS);
  await page.goto(editView(COMMUNITY, documentId));
  await page.getByRole('heading', { name: 'Panel community' }).waitFor();

  // A draft: no room, and none on its way. The room id field is read-only: the panel changes it.
  await expect(page.getByLabel('roomId').isEditable()).resolves.toBe(false);
  await statusIs('Not published');
  await expect(roomIdShown()).resolves.toBe('No room yet');
  await roomPanel().getByText('The room is created when the entry is published.').waitFor();
  await roomPanel().getByRole('button', { name: 'Link to an existing room' }).waitFor();
  expect(await roomPanel().getByRole('button', { name: 'Retry now' }).count()).toBe(0);
  await screenshot(page, 'room-panel-01-draft');

  // Publish from the Content Manager: the panel follows the job until iFlyChat refuses it.
  await page.getByRole('button', { name: 'Publish' }).click();
  await statusIs('Failed');
  const reason = roomPanel().getByTestId('iflychat-room-reason');
  // In the plugin's words: what iFlyChat answered is not relayed to the editor.
  await expect(reason.textContent()).resolves.toContain('iFlyChat rejected the request (HTTP 400');
  await expect(reason.textContent()).resolves.not.toContain(REFUSAL);
  await expect(roomIdShown()).resolves.toBe('No room yet');
  expect(emulator.requestsTo('/room/create')).toHaveLength(1);
  expect(emulator.rooms).toHaveLength(0);
  await screenshot(page, 'room-panel-02-failed');

  // iFlyChat accepts rooms again; the editor asks for another attempt.
  emulator.configure({ faults: [] });
  await roomPanel().getByRole('button', { name: 'Retry now' }).click();
  await page.getByText('The room job was queued again').waitFor();
  const room = await waitFor(() => emulator.rooms.find((r) => r.room_name === 'Panel community'));
  await statusIs('Created');
  await roomPanel().getByTestId('iflychat-room-id').getByText(String(room.room_id)).waitFor();
  expect(await roomPanel().getByTestId('iflychat-room-reason').count()).toBe(0);
  await roomPanel().getByText('Last sync').waitFor();
  await screenshot(page, 'room-panel-03-created');

  const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
  expect(rows.map((row) => String(row.roomId))).toEqual([
    String(room.room_id),
    String(room.room_id),
  ]);

  // Nothing is on its way any more: the panel stops asking.
  await page.waitForTimeout(500);
  const seen = statusRequests.length;
  await page.waitForTimeout(5_000);
  expect(statusRequests.length).toBe(seen);
});

it("links an existing room, showing the server's reason for a wrong id, unlinks and recreates", async () => {
  await page.goto(editView(COMMUNITY, documentId));
  await statusIs('Created');
  const first = await roomIdShown();

  // Unlink: the entry forgets the room, which stays in iFlyChat.
  await roomPanel().getByRole('button', { name: 'Unlink' }).click();
  const confirm = page.getByRole('alertdialog');
  await confirm.getByText('Unlink the room?').waitFor();
  await confirm.getByRole('button', { name: 'Unlink' }).click();
  await page.getByText('The room is unlinked').waitFor();
  await waitFor(async () => (await roomIdShown()) === 'No room yet');
  expect(emulator.rooms.map((r) => String(r.room_id))).toContain(first);

  // Link it again, after a wrong id the server refuses.
  await roomPanel().getByRole('button', { name: 'Link to an existing room' }).click();
  const dialog = page.getByRole('alertdialog');
  // A Super Admin has rooms.link-any: the dialog says which rooms that opens.
  await dialog
    .getByText('one this entry had before, or any room no other entry owns', { exact: false })
    .waitFor();
  await dialog.getByLabel('Room id').fill('room-one');
  await dialog.getByRole('button', { name: 'Link', exact: true }).click();
  await dialog.getByText('must be an iFlyChat room id such as 1042').waitFor();
  await screenshot(page, 'room-panel-04-link-refused');
  await dialog.getByLabel('Room id').fill(first!);
  await dialog.getByRole('button', { name: 'Link', exact: true }).click();
  await page.getByText('The room is linked to this entry').waitFor();
  await waitFor(async () => (await roomIdShown()) === first);
  expect(await page.getByRole('alertdialog').count()).toBe(0);

  // Recreate: the old room is deleted in iFlyChat and a new one made.
  await roomPanel().getByRole('button', { name: 'Recreate' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete and recreate' }).click();
  await page.getByText('The room will be recreated').waitFor();
  const second = await waitFor(() =>
    emulator.rooms.find((r) => r.room_name === 'Panel community' && String(r.room_id) !== first)
  );
  await roomPanel().getByTestId('iflychat-room-id').getByText(String(second.room_id)).waitFor();
  await statusIs('Created');
  expect(emulator.rooms.map((r) => String(r.room_id))).not.toContain(first);
  await screenshot(page, 'room-panel-05-recreated');
});

it('shows no panel on an entry of a type that is not bound', async () => {
  const group = await pg.strapi
    .documents(GROUP)
    .create({ data: { name: 'Unbound group' } as never, status: 'published' });
  const before = statusRequests.length;
  await page.goto(editView(GROUP, group.documentId));
  await page.getByRole('heading', { name: 'Unbound group' }).waitFor();
  // The panel asked, heard that the type is not bound, and shows nothing.
  await waitFor(() => statusRequests.length > before);
  await page.waitForTimeout(1_000);
  expect(await roomPanel().count()).toBe(0);
  expect(await page.getByText('iFlyChat room').count()).toBe(0);
  // Its room id field is an ordinary field: editable.
  await expect(page.getByLabel('roomId').isEditable()).resolves.toBe(true);
  await screenshot(page, 'room-panel-06-unbound');
});

it('shows a delivery key set in config/plugins.ts locked on the settings page', async () => {
  // The playground's config sets timeoutMs, and nothing else of the Delivery section.
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  const section = page.getByRole('region', { name: 'Delivery' });
  await section.getByRole('button', { name: /Delivery/ }).click();
  const timeout = section.getByLabel('Time limit of one call (ms)');
  await expect(timeout.inputValue()).resolves.toBe('2,000');
  await expect(timeout.isDisabled()).resolves.toBe(true);
  await section
    .getByText('Set in config/plugins.ts or the environment; change it there.')
    .waitFor();
  await expect(section.getByLabel('Calls at the same time').isDisabled()).resolves.toBe(false);
  await screenshot(page, 'room-panel-08-delivery-locked');
});

it('shows an Editor the room without its actions', async () => {
  const account = await createAdminUser(pg, 'panel-editor@example.com', ['strapi-editor']);
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const editor = await context.newPage();
  editor.setDefaultTimeout(30_000);
  try {
    await logIn(editor, pg.url, account);
    await editor.goto(editView(COMMUNITY, documentId));
    await statusIs('Created', editor);
    expect(await roomIdShown(editor)).toMatch(/^\d+$/);
    expect(await roomPanel(editor).getByRole('button').count()).toBe(0);
    await screenshot(editor, 'room-panel-07-editor');
  } finally {
    await context.close();
  }
});
