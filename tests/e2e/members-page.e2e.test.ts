/**
 * Members-only rooms on the playground's public chat page (/chat/) in Debian's Chromium: the
 * Community is bound to its `members`, Ada and Max are both Authenticated users, and only Ada is
 * a member of Hikers. The emulator's stand-in widget shows what iFlyChat decides with each user's
 * token: Ada enters the room, Max does not.
 */
import type { Browser, Page } from 'playwright-core';

import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot, signInOnChatPage, signOutOfChatPage } from '../helpers/browser';
import {
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const APP_ID = 'demo-app-members-5b2';
const USER = 'plugin::users-permissions.user';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let hikersRole = '';

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      roleMap: { public: '1', authenticated: '2', members: '3' },
      scriptUrl: `${emulator.url}/js/iflychat-v2.min.js`,
      allowedScriptHosts: [new URL(emulator.url).host],
      contentTypes: {
        [COMMUNITY]: {
          roomName: '{name}',
          roomIdField: 'roomId',
          roomRole: { members: 'members' },
        },
      },
    }),
    env: { IFLYCHAT_DEMO: 'true', IFLYCHAT_WIDGET_ORIGIN: emulator.url },
  });
  const strapi = pg.strapi;
  // Max has the same role as Ada; only Ada is a member of Hikers.
  const authenticated = await roleId(strapi, 'authenticated');
  await strapi.db.query(USER).update({ where: { username: 'max' }, data: { role: authenticated } });
  const ada = (await strapi.db.query(USER).findOne({ where: { username: 'ada' } })) as {
    documentId: string;
  };
  const communities = strapi.documents(COMMUNITY);
  const hikers = await communities.findFirst({ filters: { name: 'Hikers' } as never });
  await communities.update({
    documentId: hikers!.documentId,
    data: { members: { connect: [{ documentId: ada.documentId }] } } as never,
  });
  await communities.publish({ documentId: hikers!.documentId });
  await settle(strapi);
  const room = await waitFor(() => emulator.rooms.find((r) => r.room_name === 'Hikers'));
  hikersRole = room.room_role;
  await waitFor(async () => {
    const rows = (await strapi.db
      .query(COMMUNITY)
      .findMany({ where: { publishedAt: { $notNull: true } } })) as Array<{ roomId: unknown }>;
    return rows.length === 2 && rows.every((row) => row.roomId !== null);
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  if (page) await screenshot(page, 'members-page-last-state').catch(() => undefined);
  await browser?.close();
  await pg?.close();
  await emulator?.stop();
  delete process.env.IFLYCHAT_DEMO;
  delete process.env.IFLYCHAT_WIDGET_ORIGIN;
});

const signIn = (username: string) => signInOnChatPage(page, pg.url, username);

/** The stand-in widget's rendering of the Hikers room, once it has asked the emulator. */
async function hikers() {
  const embed = page.locator('article[data-community="Hikers"] .iflychat-embed');
  await embed.and(page.locator('[data-iflychat-rendered="true"]')).waitFor();
  const part = (name: string) => embed.locator(`[data-iflychat="${name}"]`).innerText();
  return {
    allowed: await embed.getAttribute('data-iflychat-allowed'),
    roles: await part('roles'),
    roomRole: await part('room-role'),
    verdict: await part('verdict'),
  };
}

it('Ada, a member, enters the Hikers room', async () => {
  await signIn('ada');
  const room = await hikers();
  expect(hikersRole).toMatch(/^member-[0-9a-f]{32}$/);
  expect(room.roomRole).toBe(`room role: ${hikersRole}`);
  expect(room.roles).toBe(`user roles: 2=Authenticated, ${hikersRole}=Hikers`);
  expect(room.allowed).toBe('true');
  expect(room.verdict).toMatch(/^Allowed/);
  await screenshot(page, 'members-page-ada');
});

it('Max, of the same role but not a member, does not', async () => {
  await signOutOfChatPage(page);
  await signIn('max');
  const room = await hikers();
  expect(room.roomRole).toBe(`room role: ${hikersRole}`);
  expect(room.roles).toBe('user roles: 2=Authenticated');
  expect(room.allowed).toBe('false');
  expect(room.verdict).toMatch(/^Not allowed/);
  await screenshot(page, 'members-page-max');
});
