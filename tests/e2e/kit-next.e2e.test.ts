/**
 * examples/next-app, a Next.js 15 App Router site with React 19, as a site's developer uses it:
 * the kit's tarball installed into a copy of it from the registry, `next build` (no telemetry, no
 * download: SWC comes as npm's optional @next/swc-linux-x64-gnu), `next start` against the
 * playground, and Chromium. The Strapi JWT lives in an httpOnly cookie: the page's server asks for
 * the chat token with getChatToken, the browser never sees the JWT nor calls Strapi, the rooms
 * and the popup cost that one token request, and signing out goes through the site's own route
 * (revoke) to delete the token in iFlyChat.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { DEMO_PASSWORD } from '../../playground/src/demo';
import { createEmulator, type Emulator } from '../emulator/server';
import { launchBrowser, screenshot } from '../helpers/browser';
import { installExample, npmEnv, startNext, type NextServer } from '../helpers/examples';
import {
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const APP_ID = 'next-app-7e21';
const NO_TELEMETRY = { NEXT_TELEMETRY_DISABLED: '1' };

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let next: NextServer;
let work: string;
let app: string;
let installLog: string;
let buildLog: string;
/** The URLs the browser asked for. */
const asked: string[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-kit-next-'));
  const installed = installExample('next-app', work, NO_TELEMETRY);
  ({ app, log: installLog } = installed);
  buildLog = execFileSync(
    process.execPath,
    [path.join(app, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'],
    { cwd: app, env: npmEnv(NO_TELEMETRY), encoding: 'utf8', stdio: 'pipe' }
  );
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
  next = await startNext(app, { ...NO_TELEMETRY, STRAPI_URL: pg.url, WIDGET_HOSTS: widgetHost });
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
  page.on('request', (request) => asked.push(request.url()));
}, 600_000);

afterAll(async () => {
  if (page) await screenshot(page, 'kit-next-last-state').catch(() => undefined);
  await browser?.close();
  await next?.stop();
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

it('installs with React 19 and no Strapi package, and builds without downloading anything', () => {
  expect(installLog).not.toMatch(/ERESOLVE|peer dep/i);
  expect(fs.existsSync(path.join(app, 'node_modules', '@strapi'))).toBe(false);
  const version = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8'))
      .version as string;
  expect(version('react')).toMatch(/^19\./);
  expect(version('next')).toMatch(/^15\./);
  // The native compiler came with npm install (an optional dependency), so Next has no reason
  // to fetch one, and it says it compiled.
  expect(fs.existsSync(path.join(app, 'node_modules', '@next', 'swc-linux-x64-gnu'))).toBe(true);
  expect(buildLog).toMatch(/Compiled successfully/);
  expect(buildLog).not.toMatch(/download|wasm|telemetry/i);
});

it('a signed-in user sees their rooms and the popup, the token asked for on the server', async () => {
  await page.goto(next.url);
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
  const popup = page.locator('.iflychat-popup[data-iflychat-rendered="true"]');
  await expect(popup.locator('[data-iflychat="popup-user"]').innerText()).resolves.toBe(
    `iFlyChat (emulator) popup: ada (${ada})`
  );
  await page.waitForLoadState('networkidle');
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(1);
  await screenshot(page, 'kit-next-ada');
});

it("keeps the Strapi JWT out of the browser's reach", async () => {
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'strapi_jwt');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  const seen = await page.evaluate(() => {
    const scope = globalThis as unknown as {
      document: { cookie: string };
      localStorage: object;
      sessionStorage: object;
    };
    return {
      cookie: scope.document.cookie,
      stored: JSON.stringify({ ...scope.localStorage, ...scope.sessionStorage }),
    };
  });
  const html = await page.content();
  expect(seen.cookie).not.toContain(cookie.value);
  expect(seen.stored).not.toContain(cookie.value);
  expect(html).not.toContain(cookie.value);
  // The browser never called Strapi: the site's server did.
  expect(asked.filter((url) => url.startsWith(pg.url))).toEqual([]);
  // The route that renews the token answers the signed-in user's, and no one else's.
  const renewed = await page.evaluate(async () => {
    const response = await fetch('/api/chat-token', { method: 'POST' });
    return { status: response.status, body: (await response.json()) as { userId?: string } };
  });
  expect(renewed).toMatchObject({ status: 200, body: { userId: await chatIdOf('ada') } });
  const stranger = await fetch(`${next.url}/api/chat-token`, { method: 'POST' });
  expect(stranger.status).toBe(401);
  await expect(stranger.text()).resolves.not.toMatch(/token"/);
});

it('"message a member" opens a chat in the popup through the widget SDK', async () => {
  const max = await chatIdOf('max');
  await page.getByLabel("Member's chat id").fill(max);
  await page.getByLabel("Member's name").fill('max');
  await page.getByRole('button', { name: 'Message' }).click();
  const chatWindow = page.locator('.iflychat-popup [data-iflychat="chat-window"]');
  await expect(chatWindow.getAttribute('data-chat-id')).resolves.toBe(max);
  await waitFor(() => emulator.startedChats.length === 1);
  expect(emulator.startedChats[0]).toMatchObject({ id: max, from: await chatIdOf('ada') });
});

it('signing out deletes the token through the site route and leaves the widget signed out', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const left = await page.evaluate(() =>
    ['iflychat_auth_token', 'iflychat_app_id', 'iflychat'].filter((key) => key in globalThis)
  );
  expect(left).toEqual([]);
  for (const selector of ['script[data-iflychat-widget]', '.iflychat-embed', '.iflychat-popup']) {
    await expect(page.locator(selector).count()).resolves.toBe(0);
  }
  await waitFor(() => emulator.requests.some((request) => /token\/.+\/delete/.test(request.path)));
  expect(emulator.tokens).toEqual([]);
  const cookies = await page.context().cookies();
  expect(cookies.filter((c) => c.name === 'strapi_jwt')).toEqual([]);
  expect(next.output()).not.toMatch(/Error|⨯/);
});
