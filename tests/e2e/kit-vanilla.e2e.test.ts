/**
 * examples/vanilla, a plain HTML page without a bundler, as a site's developer uses it: the kit's
 * tarball installed into a copy of it, its config.js pointed at the playground, the folder served
 * as it is from an origin of its own and opened in Chromium. The browser loads the kit's ES module
 * build from node_modules through an import map; a signed-in user sees their rooms and the popup
 * chat for one token request, "message a member" opens a chat through the widget's SDK, and
 * signing out leaves the widget signed out and deletes the token in iFlyChat.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { DEMO_PASSWORD } from '../../playground/src/demo';
import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import { installExample, serveStatic } from '../helpers/examples';
import {
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const APP_ID = 'vanilla-page-51c0';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let site: http.Server;
let siteUrl: string;
let work: string;
let installLog: string;
/** The paths the page's browser asked the static server for. */
const served: string[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-kit-vanilla-'));
  const installed = installExample('vanilla', work);
  installLog = installed.log;
  emulator = await createEmulator().start();
  const widgetHost = new URL(emulator.url).host;
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      roleMap: { public: '1', authenticated: '2', members: '3' },
      scriptUrl: `${emulator.url}/js/iflychat-v2.min.js`,
      allowedScriptHosts: [widgetHost],
    }),
    env: { IFLYCHAT_DEMO: 'true', IFLYCHAT_WIDGET_ORIGIN: emulator.url },
  });
  // What a site owner edits: where Strapi is, and (here only) the emulator's widget host.
  fs.writeFileSync(
    path.join(installed.app, 'config.js'),
    `export const strapiUrl = ${JSON.stringify(pg.url)};\n` +
      `export const allowedScriptHosts = ${JSON.stringify([widgetHost])};\n`
  );
  ({ server: site, url: siteUrl } = await serveStatic(installed.app));
  site.on('request', (request: http.IncomingMessage) => served.push(request.url ?? ''));
  await settle(pg.strapi);
  await waitFor(async () => {
    const rows = (await pg.strapi.db
      .query(COMMUNITY)
      .findMany({ where: { publishedAt: { $notNull: true } } })) as Array<{ roomId: unknown }>;
    return rows.length === 2 && rows.every((row) => row.roomId !== null);
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  page.setDefaultTimeout(20_000);
}, 600_000);

afterAll(async () => {
  if (page) await screenshot(page, 'kit-vanilla-last-state').catch(() => undefined);
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await pg?.close();
  await emulator?.stop();
  delete process.env.IFLYCHAT_DEMO;
  delete process.env.IFLYCHAT_WIDGET_ORIGIN;
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The iFlyChat user id the plugin gives a demo user: `strapi-` and their id. */
async function chatIdOf(username: string): Promise<string> {
  const user = (await pg.strapi.db
    .query('plugin::users-permissions.user')
    .findOne({ where: { username } })) as { id: number };
  return `strapi-${user.id}`;
}

it('installs from its tarball with nothing but the kit', () => {
  expect(installLog).not.toMatch(/peer|ERESOLVE/i);
  const modules = fs.readdirSync(path.join(work, 'app', 'node_modules'));
  expect(modules.filter((name) => !name.startsWith('.'))).toEqual(['iflychat-strapi-kit']);
});

it('a signed-in user sees their rooms and the popup chat, for one token request', async () => {
  await page.goto(siteUrl);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const rendered = page.locator('.iflychat-embed[data-iflychat-rendered="true"]');
  await waitFor(async () => (await rendered.count()) === 2, 30_000);
  const ada = await chatIdOf('ada');
  const hikers = page.locator('section[data-community="Hikers"] .iflychat-embed');
  await expect(hikers.getAttribute('data-iflychat-allowed')).resolves.toBe('true');
  await expect(hikers.locator('[data-iflychat="user"]').innerText()).resolves.toBe(
    `user: ada (${ada}, participant)`
  );
  const lounge = page.locator('section[data-community="Members lounge"] .iflychat-embed');
  await expect(lounge.getAttribute('data-iflychat-allowed')).resolves.toBe('false');
  const popup = page.locator('.iflychat-popup[data-iflychat-rendered="true"]');
  await expect(popup.locator('[data-iflychat="popup-user"]').innerText()).resolves.toBe(
    `iFlyChat (emulator) popup: ada (${ada})`
  );
  await page.waitForLoadState('networkidle');
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(1);
  // The kit's ES module build, straight from node_modules: no bundler in between.
  expect(served).toContain('/node_modules/iflychat-strapi-kit/dist/esm/client.js');
  await screenshot(page, 'kit-vanilla-ada');
});

it('"message a member" opens a one-to-one chat in the popup through the widget SDK', async () => {
  const max = await chatIdOf('max');
  await page.getByLabel("Member's chat id").fill(max);
  await page.getByLabel("Member's name").fill('max');
  await page.getByRole('button', { name: 'Message' }).click();
  const chatWindow = page.locator(`.iflychat-popup [data-iflychat="chat-window"]`);
  await expect(chatWindow.getAttribute('data-chat-id')).resolves.toBe(max);
  await waitFor(() => emulator.startedChats.length === 1);
  expect(emulator.startedChats).toEqual([
    { id: max, name: 'max', state: 'open', from: await chatIdOf('ada') },
  ]);
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
});

it('signing out leaves the widget signed out, also after a reload, and deletes the token', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const left = () =>
    page.evaluate(() => {
      const scope = globalThis as unknown as Record<string, unknown>;
      return ['iflychat_auth_token', 'iflychat_app_id', 'iflychat'].filter((key) => key in scope);
    });
  await expect(left()).resolves.toEqual([]);
  for (const selector of ['script[data-iflychat-widget]', '.iflychat-embed', '.iflychat-popup']) {
    await expect(page.locator(selector).count()).resolves.toBe(0);
  }
  await waitFor(() => emulator.requests.some((request) => /token\/.+\/delete/.test(request.path)));
  expect(emulator.tokens).toEqual([]);
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await expect(left()).resolves.toEqual([]);
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(0);
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await screenshot(page, 'kit-vanilla-signed-out');
});
