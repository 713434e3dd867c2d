/**
 * The demo's site users and content (when IFLYCHAT_DEMO is set): a custom role "Members",
 * the token route and read access to communities for Authenticated and Members, one user of
 * each role, and one published Community for each role. Idempotent.
 *
 * It also serves the front-end kit's ES module at /chat/kit/client.js for the public page
 * playground/public/chat/, as a site's own bundler would include it (packages/kit, built).
 */
import fs from 'fs';
import path from 'path';

import type { Core } from '@strapi/strapi';

import { pluginRoot } from './plugin-root';

export const DEMO_PASSWORD = 'Demo-User-Pass-1';
export const DEMO_USERS = [
  { username: 'ada', email: 'ada@demo.local', role: 'authenticated' },
  { username: 'max', email: 'max@demo.local', role: 'members' },
];
const COMMUNITIES = [
  { name: 'Hikers', audience: 'authenticated' },
  { name: 'Members lounge', audience: 'members' },
];
const ACTIONS = [
  'plugin::iflychat.token.generate',
  'api::community.community.find',
  'api::community.community.findOne',
  'plugin::users-permissions.user.me',
  // Lets the page read a user's role and a community's audience (role names and types only).
  'plugin::users-permissions.role.find',
];

const ROLE = 'plugin::users-permissions.role';
const PERMISSION = 'plugin::users-permissions.permission';
const USER = 'plugin::users-permissions.user';

/**
 * The kit's ES module at /chat/kit/client.js, and at /chat/kit/widget-hosts.js the widget hosts
 * the page allows besides iFlyChat's CDN (the emulator's, from IFLYCHAT_WIDGET_ORIGIN), as a site
 * would write them in its own code.
 */
export function serveKit(strapi: Core.Strapi): void {
  const file = path.join(pluginRoot(), 'packages', 'kit', 'dist', 'esm', 'client.js');
  const origin = /^https?:\/\/([^/]+)/.exec(process.env.IFLYCHAT_WIDGET_ORIGIN ?? '');
  const hosts = `export const widgetHosts = ${JSON.stringify(origin ? [origin[1]] : [])};\n`;
  strapi.server.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith('/chat/kit/')) {
      await next();
      return;
    }
    if (ctx.path === '/chat/kit/client.js') ctx.body = fs.createReadStream(file);
    else if (ctx.path === '/chat/kit/widget-hosts.js') ctx.body = hosts;
    else {
      await next();
      return;
    }
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
  });
}

interface Row {
  id: number;
}

async function roleId(strapi: Core.Strapi, type: string, name: string): Promise<number> {
  const found = (await strapi.db.query(ROLE).findOne({ where: { type } })) as Row | null;
  if (found) return found.id;
  const created = (await strapi.db
    .query(ROLE)
    .create({ data: { type, name, description: `${name} of the demo site` } })) as Row;
  return created.id;
}

export async function seedDemo(strapi: Core.Strapi): Promise<void> {
  const roles: Record<string, number> = {
    authenticated: await roleId(strapi, 'authenticated', 'Authenticated'),
    members: await roleId(strapi, 'members', 'Members'),
  };
  for (const role of Object.values(roles)) {
    for (const action of ACTIONS) {
      const exists = (await strapi.db
        .query(PERMISSION)
        .findOne({ where: { action, role } })) as Row | null;
      if (!exists) await strapi.db.query(PERMISSION).create({ data: { action, role } });
    }
  }
  for (const user of DEMO_USERS) {
    if (await strapi.db.query(USER).findOne({ where: { username: user.username } })) continue;
    const users = strapi.plugin('users-permissions').service<{
      add(values: Record<string, unknown>): Promise<unknown>;
    }>('user');
    await users.add({
      username: user.username,
      email: user.email,
      password: DEMO_PASSWORD,
      provider: 'local',
      confirmed: true,
      blocked: false,
      role: roles[user.role],
    });
  }
  const communities = strapi.documents('api::community.community');
  for (const community of COMMUNITIES) {
    const existing = await communities.findFirst({ filters: { name: community.name } as never });
    if (existing) continue;
    const created = await communities.create({
      data: { name: community.name, audience: roles[community.audience] } as never,
    });
    await communities.publish({ documentId: created.documentId });
  }
}
