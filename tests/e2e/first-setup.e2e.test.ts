/**
 * A first setup that would overwrite content, in the real admin panel: a site owner binds
 * Community and picks its `name` as the room id field while the room name is `{name}`. The save
 * is refused with the reason on the field, and no entry's name is touched.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, logIn, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, { contentTypes: {} }),
    listen: true,
    admin: true,
  });
  admin = await adminSession(pg);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'first-setup-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

async function pick(label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const names = async () =>
  (
    (await pg.strapi.db.query(COMMUNITY).findMany({ select: ['name'] })) as Array<{
      name: string;
    }>
  )
    .map((row) => row.name)
    .sort();

it('refuses a room id field that the room name uses, and overwrites nothing', async () => {
  const documents = pg.strapi.documents(COMMUNITY);
  for (const name of ['Gardeners', 'Chess club']) {
    const doc = await documents.create({ data: { name } as never });
    await documents.publish({ documentId: doc.documentId });
  }
  const before = await names();

  await logIn(page, pg.url, ADMIN_CREDENTIALS);
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();
  await pick('Content type to bind', 'Community');
  await page.getByRole('button', { name: 'Bind content type' }).click();
  const binding = page.getByTestId(`binding-${COMMUNITY}`);
  await binding.waitFor();
  // Prefilled only with the attribute named for it.
  await expect(
    binding.getByRole('combobox', { name: 'Room id field' }).textContent()
  ).resolves.toBe('roomId');

  await pick('Room id field', 'name');
  await page.getByRole('button', { name: 'Save' }).click();
  await binding.getByText(/"name" is used in the room name \(\{name\}\)/).waitFor();
  await screenshot(page, 'first-setup-refused');

  expect((await admin.get('/iflychat/settings')).json.data.contentTypes).toEqual({});
  expect(await names()).toEqual(before);
});
