/**
 * Members-only rooms in the real admin panel (built playground, Debian's Chromium): the settings
 * page offers them where the content type has a relation to users and saves them, and the room
 * panel of a Community shows its member count.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import {
  ADMIN_CREDENTIALS,
  adminSession,
  bootPlayground,
  COMMUNITY,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

/** The playground's Topic: a type with no relation to users. */
const TOPIC = 'api::topic.topic';

const USER = 'plugin::users-permissions.user';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: { apiKey: emulator.apiKey, baseUrl: emulator.url },
    listen: true,
    admin: true,
  });
  admin = await adminSession(pg); // registers the first admin
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'members-settings-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
});

async function pick(scope: ReturnType<Page['getByTestId']>, label: string, option: string) {
  await scope.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function options(scope: ReturnType<Page['getByTestId']>, label: string) {
  await scope.getByRole('combobox', { name: label }).click();
  const names = await page.getByRole('option').allInnerTexts();
  await page.keyboard.press('Escape');
  return names;
}

it('binds Community to its members, with a role let in besides them', async () => {
  await page.goto(`${pg.url}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(ADMIN_CREDENTIALS.email);
  await page.locator('input[name="password"]').fill(ADMIN_CREDENTIALS.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/admin(\/)?$/);
  await page.goto(`${pg.url}/admin/settings/iflychat`);
  await page.getByRole('heading', { name: 'Connection' }).waitFor();

  for (const [type, name] of [
    [TOPIC, 'Topic'],
    [COMMUNITY, 'Community'],
  ]) {
    await page.getByRole('combobox', { name: 'Content type to bind' }).click();
    await page.getByRole('option', { name, exact: true }).click();
    await page.getByRole('button', { name: 'Bind content type' }).click();
    await page.getByTestId(`binding-${type}`).waitFor();
  }
  // Topic has no relation to users: no members-only rooms there.
  const members = 'The members listed in a relation to users';
  expect(await options(page.getByTestId(`binding-${TOPIC}`), 'Who the room is for')).not.toContain(
    members
  );
  await page
    .getByTestId(`binding-${TOPIC}`)
    .getByRole('button', { name: /Unbind|Remove/ })
    .click();

  const community = page.getByTestId(`binding-${COMMUNITY}`);
  await pick(community, 'Who the room is for', members);
  await expect(
    community.getByRole('combobox', { name: 'Members relation' }).innerText()
  ).resolves.toContain('members');
  await pick(community, 'Also let in', 'Authenticated');
  await page.getByLabel('Authenticated', { exact: true }).fill('2');
  await screenshot(page, 'members-settings-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Settings saved').waitFor();

  const saved = (await admin.get('/iflychat/settings')).json.data;
  expect(saved.contentTypes[COMMUNITY].roomRole).toEqual({
    members: 'members',
    alsoRole: 'authenticated',
  });
  expect(saved.contentTypes[TOPIC]).toBeUndefined();
});

it("shows a published Community's member count in its room panel", async () => {
  const strapi = pg.strapi;
  const users = strapi.plugin('users-permissions').service('user');
  const role = await strapi.db
    .query('plugin::users-permissions.role')
    .findOne({ where: { type: 'authenticated' } });
  const members = [];
  for (const name of ['ann', 'bob']) {
    members.push(
      (await users.add({
        username: name,
        email: `${name}@example.com`,
        password: 'Site-User-Pass-1',
        provider: 'local',
        confirmed: true,
        role: role.id,
      })) as { documentId: string }
    );
  }
  const communities = strapi.documents(COMMUNITY);
  const created = await communities.create({
    data: {
      name: 'Panel members',
      members: { connect: members.map(({ documentId }) => ({ documentId })) },
    } as never,
  });
  await communities.publish({ documentId: created.documentId });
  await settle(strapi);
  await waitFor(() => emulator.rooms.find((room) => room.room_name === 'Panel members'));
  expect(await strapi.db.query(USER).count()).toBe(2);

  await page.goto(
    `${pg.url}/admin/content-manager/collection-types/${COMMUNITY}/${created.documentId}`
  );
  const count = page.getByTestId('iflychat-room-members');
  await count.waitFor();
  await expect(count.innerText()).resolves.toBe('2 (and every user of the role authenticated)');
  await screenshot(page, 'members-room-panel');
});
