/**
 * The machine's Chromium or Chrome (see locate.ts: CHROMIUM_PATH, PATH, the usual install paths,
 * Playwright's cache) driven by playwright-core, for the browser tests. Screenshots go to
 * tests/e2e/screenshots/ (git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { DEMO_PASSWORD } from '../../playground/src/demo';
import { findChromium, HOW_TO } from './locate';

export const SCREENSHOTS = path.resolve(__dirname, '..', 'e2e', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  const found = findChromium();
  if (!found) throw new Error(`No Chromium or Chrome was found: ${HOW_TO.browser}.`);
  if (!fs.existsSync(found.path)) {
    throw new Error(`No browser at ${found.path} (${found.from}): ${HOW_TO.browser}.`);
  }
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Logs into the admin panel at `baseUrl` through its login form. */
export async function logIn(
  page: Page,
  baseUrl: string,
  credentials: { email: string; password: string }
): Promise<void> {
  await page.goto(`${baseUrl}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(credentials.email);
  await page.locator('input[name="password"]').fill(credentials.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/admin(\/)?$/);
}

/**
 * Signs out on the playground's chat page, which reloads itself once the widget has signed out:
 * resolves when that reload has loaded (a navigation started before it would be aborted by it).
 */
export async function signOutOfChatPage(page: Page) {
  const reloaded = page.waitForEvent('load');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await reloaded;
}

/** Signs one of the demo's site users in on the playground's chat page (`/chat/`). */
export async function signInOnChatPage(page: Page, baseUrl: string, username: string) {
  await page.goto(`${baseUrl}/chat/`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who', { hasText: `Signed in as ${username}` }).waitFor();
}
