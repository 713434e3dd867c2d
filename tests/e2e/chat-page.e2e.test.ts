/**
 * The playground's public chat page (/chat/) in Debian's Chromium: a site user signs in, the
 * page embeds each Community's room with the front-end kit, and the emulator's stand-in widget
 * shows what iFlyChat would decide with the user's token: the user's roles include the room's
 * role, or they do not.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot, signInOnChatPage, signOutOfChatPage } from '../helpers/browser';
import {
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const APP_ID = 'demo-app-7c1d';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      roleMap: { public: '1', authenticated: '2', members: '3' },
      chatRoleMap: { members: 'moderator' },
      scriptUrl: `${emulator.url}/js/iflychat-v2.min.js`,
      allowedScriptHosts: [new URL(emulator.url).host],
    }),
    env: { IFLYCHAT_DEMO: 'true', IFLYCHAT_WIDGET_ORIGIN: emulator.url },
  });
  // The demo's two communities get their rooms.
  await settle(pg.strapi);
  await waitFor(async () => {
    const rows = (await pg.strapi.db
      .query(COMMUNITY)
      .findMany({ where: { publishedAt: { $notNull: true } } })) as Array<{ roomId: unknown }>;
    return rows.length === 2 && rows.every((row) => row.roomId !== null);
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'chat-page-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
  delete process.env.IFLYCHAT_DEMO;
  delete process.env.IFLYCHAT_WIDGET_ORIGIN;
});

const signIn = (username: string) => signInOnChatPage(page, pg.url, username);

/** The stand-in widget's rendering of one community's room. */
function room(section: '#mine' | '#others', community: string) {
  return page.locator(`${section} article[data-community="${community}"] .iflychat-embed`);
}

async function widgetText(section: '#mine' | '#others', community: string, part: string) {
  const embed = room(section, community);
  await embed.locator(`[data-iflychat="${part}"]`).waitFor();
  return embed.locator(`[data-iflychat="${part}"]`).innerText();
}

it('a user of Authenticated enters the room for Authenticated, not the Members room', async () => {
  await signIn('ada');
  const hikers = room('#mine', 'Hikers');
  await hikers.and(page.locator('[data-iflychat-rendered="true"]')).waitFor();
  const roomId = String(emulator.rooms.find((r) => r.room_name === 'Hikers')!.room_id);
  await expect(hikers.getAttribute('data-room-id')).resolves.toBe(roomId);
  await expect(hikers.getAttribute('data-iflychat-allowed')).resolves.toBe('true');
  await expect(widgetText('#mine', 'Hikers', 'app-id')).resolves.toBe(`app id: ${APP_ID}`);
  await expect(widgetText('#mine', 'Hikers', 'roles')).resolves.toBe('user roles: 2=Authenticated');
  await expect(widgetText('#mine', 'Hikers', 'room-role')).resolves.toBe('room role: 2');
  await expect(widgetText('#mine', 'Hikers', 'user')).resolves.toMatch(
    /^user: ada \(strapi-\d+, participant\)$/
  );
  await expect(widgetText('#mine', 'Hikers', 'verdict')).resolves.toMatch(/^Allowed/);

  await expect(widgetText('#others', 'Members lounge', 'room-role')).resolves.toBe('room role: 3');
  await expect(widgetText('#others', 'Members lounge', 'verdict')).resolves.toMatch(/^Not allowed/);
  // One widget script for the page, loaded with the app id; one token for the user.
  await expect(
    page.evaluate(
      () =>
        (globalThis as unknown as { iflychat_emulator_widget: { loads: number } })
          .iflychat_emulator_widget.loads
    )
  ).resolves.toBe(1);
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(1);
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await screenshot(page, 'chat-page-ada');
});

it('a user of the Members role is a moderator in the Members room and not allowed in the other', async () => {
  await signOutOfChatPage(page);
  await signIn('max');
  const lounge = room('#mine', 'Members lounge');
  await lounge.and(page.locator('[data-iflychat-rendered="true"]')).waitFor();
  await expect(lounge.getAttribute('data-iflychat-allowed')).resolves.toBe('true');
  await expect(widgetText('#mine', 'Members lounge', 'roles')).resolves.toBe(
    'user roles: 3=Members'
  );
  await expect(widgetText('#mine', 'Members lounge', 'user')).resolves.toMatch(
    /^user: max \(strapi-\d+, moderator\)$/
  );
  await expect(widgetText('#others', 'Hikers', 'verdict')).resolves.toMatch(/^Not allowed/);
  await screenshot(page, 'chat-page-max');
});
