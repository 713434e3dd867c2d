/**
 * The front-end kit as a site's developer uses it: packages/kit packed with `npm pack`, installed
 * from the tarball into a copy of examples/vite-react (Vite + React 19, StrictMode) with
 * `npm install` from the registry, built with Vite, served from an origin of its own and opened in
 * Chromium against the playground and the emulator. The install brings no Strapi package and no
 * peer warning; two rooms and the popup chat on the page cost one token request; "message a
 * member" opens a one-to-one chat through the widget's JavaScript SDK, and says so clearly where
 * the account's widget has none; signing out leaves no widget behind and deletes the token in
 * iFlyChat.
 */
import { execFileSync } from 'node:child_process';
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

const APP_ID = 'vite-app-3b9d';

let emulator: Emulator;
let pg: Playground;
let browser: Browser;
let page: Page;
let site: http.Server;
let siteUrl: string;
let work: string;
let installLog: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-kit-vite-'));
  const installed = installExample('vite-react', work);
  const app = installed.app;
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
  execFileSync(
    process.execPath,
    [path.join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'],
    {
      cwd: app,
      env: { ...process.env, VITE_STRAPI_URL: pg.url, VITE_WIDGET_HOSTS: widgetHost },
      stdio: 'pipe',
    }
  );
  ({ server: site, url: siteUrl } = await serveStatic(path.join(app, 'dist')));
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
  if (page) await screenshot(page, 'kit-vite-last-state').catch(() => undefined);
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await pg?.close();
  await emulator?.stop();
  delete process.env.IFLYCHAT_DEMO;
  delete process.env.IFLYCHAT_WIDGET_ORIGIN;
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

it('installs from its tarball with React 19 without a Strapi package or a peer warning', () => {
  expect(installLog).not.toMatch(/peer/i);
  expect(installLog).not.toMatch(/ERESOLVE/);
  const lock = fs.readFileSync(path.join(work, 'app', 'package-lock.json'), 'utf8');
  expect(lock).not.toContain('node_modules/@strapi/');
  expect(fs.existsSync(path.join(work, 'app', 'node_modules', '@strapi'))).toBe(false);
  const react = JSON.parse(
    fs.readFileSync(path.join(work, 'app', 'node_modules', 'react', 'package.json'), 'utf8')
  );
  expect(react.version).toMatch(/^19\./);
  const kit = JSON.parse(
    fs.readFileSync(
      path.join(work, 'app', 'node_modules', 'iflychat-strapi-kit', 'package.json'),
      'utf8'
    )
  );
  expect(kit.dependencies).toBeUndefined();
});

it('a signed-in user sees their rooms, two rooms costing one token request (StrictMode)', async () => {
  await page.goto(siteUrl);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const rendered = page.locator('.iflychat-embed[data-iflychat-rendered="true"]');
  await waitFor(async () => (await rendered.count()) === 2, 30_000);
  const hikers = page.locator('section[data-community="Hikers"] .iflychat-embed');
  await expect(hikers.getAttribute('data-iflychat-allowed')).resolves.toBe('true');
  await expect(hikers.locator('[data-iflychat="user"]').innerText()).resolves.toMatch(
    /^user: ada \(strapi-\d+, participant\)$/
  );
  await page.waitForLoadState('networkidle');
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(1);
  await screenshot(page, 'kit-vite-ada');
});

/** The iFlyChat user id the plugin gives a demo user: `strapi-` and their id. */
async function chatIdOf(username: string): Promise<string> {
  const user = (await pg.strapi.db
    .query('plugin::users-permissions.user')
    .findOne({ where: { username } })) as { id: number };
  return `strapi-${user.id}`;
}

it('shows the popup chat, and "message a member" opens a chat with them in it', async () => {
  const popup = page.locator('.iflychat-popup[data-iflychat-rendered="true"]');
  await popup.waitFor();
  await expect(popup.locator('[data-iflychat="popup-user"]').innerText()).resolves.toMatch(
    /popup: ada \(strapi-\d+\)$/
  );
  await expect(page.locator('.iflychat-popup').count()).resolves.toBe(1);
  const max = await chatIdOf('max');
  await page.getByLabel("Member's chat id").fill(max);
  await page.getByLabel("Member's name").fill('max');
  await page.getByRole('button', { name: 'Message' }).click();
  const chatWindow = popup.locator(`[data-iflychat="chat-window"][data-chat-id="${max}"]`);
  await expect(chatWindow.innerText()).resolves.toBe('Chat with max');
  await waitFor(() => emulator.startedChats.length === 1);
  expect(emulator.startedChats).toEqual([
    { id: max, name: 'max', state: 'open', from: await chatIdOf('ada') },
  ]);
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
  await screenshot(page, 'kit-vite-popup');
});

it('refuses a member id that is not one, naming it, without calling the widget', async () => {
  await page.getByLabel("Member's chat id").fill('<img src=x>');
  await page.getByRole('button', { name: 'Message' }).click();
  await expect(page.getByRole('alert').innerText()).resolves.toBe(
    'userId must be an iFlyChat user id such as strapi-12'
  );
  expect(emulator.startedChats).toHaveLength(1);
});

it('signing out leaves the widget signed out and deletes the token in iFlyChat', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const left = await page.evaluate(() => {
    const scope = globalThis as unknown as Record<string, unknown>;
    return { token: scope.iflychat_auth_token ?? null, appId: scope.iflychat_app_id ?? null };
  });
  expect(left).toEqual({ token: null, appId: null });
  await expect(page.locator('script[data-iflychat-widget]').count()).resolves.toBe(0);
  await expect(page.locator('.iflychat-embed').count()).resolves.toBe(0);
  await expect(page.locator('.iflychat-popup').count()).resolves.toBe(0);
  await expect(page.evaluate(() => 'iflychat' in globalThis)).resolves.toBe(false);
  await waitFor(() => emulator.requests.some((request) => /token\/.+\/delete/.test(request.path)));
  expect(emulator.requestsTo('token/generate')).toHaveLength(1);
});

it('on a widget without the JavaScript SDK, "message a member" says why it cannot', async () => {
  emulator.configure({ plan: { jsSdk: false } });
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.iflychat-popup[data-iflychat-rendered="true"]').waitFor();
  await page.getByLabel("Member's chat id").fill(await chatIdOf('max'));
  await page.getByRole('button', { name: 'Message' }).click();
  await expect(page.getByRole('alert').innerText()).resolves.toMatch(
    /^the iFlyChat widget on this page has no startChat \(iFlyChat’s JavaScript SDK, which the site’s iFlyChat plan may not include\)$/
  );
  expect(emulator.startedChats).toHaveLength(1);
  await expect(page.locator('[data-iflychat="chat-window"]').count()).resolves.toBe(0);
  await screenshot(page, 'kit-vite-no-sdk');
});
