#!/usr/bin/env node
'use strict';

/**
 * `npm run demo`: a real Strapi 5 site (the playground, SQLite) with the plugin, at
 * http://localhost:1337/admin, creating rooms in the local iFlyChat emulator, or in the real
 * iFlyChat when IFLYCHAT_API_KEY is set in the environment.
 *
 * Steps: build the plugin → write playground/.env with fresh secrets (first run) → build the
 * playground admin → start the emulator → start Strapi → create the demo admin (first run).
 * The playground also creates two site users, a custom role and a Community for each role
 * (IFLYCHAT_DEMO), and serves the public chat page at /chat/.
 */
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const playground = path.join(root, 'playground');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const PORT = Number(process.env.PORT || 1337);
const EMULATOR_PORT = Number(process.env.IFLYCHAT_EMULATOR_PORT || 4010);
const DEMO_ADMIN = {
  email: 'demo@iflychat.local',
  password: 'Demo-Password-1',
  firstname: 'Demo',
  lastname: 'Admin',
};

process.env.STRAPI_TELEMETRY_DISABLED = 'true';

function run(label, cmd, args, options = {}) {
  console.log(`\n▶ ${label}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`✖ ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function ensureEnvFile() {
  const file = path.join(playground, '.env');
  if (fs.existsSync(file)) return;
  const secret = () => crypto.randomBytes(16).toString('base64');
  const lines = [
    `HOST=0.0.0.0`,
    `PORT=${PORT}`,
    `APP_KEYS=${secret()},${secret()}`,
    `API_TOKEN_SALT=${secret()}`,
    `ADMIN_JWT_SECRET=${secret()}`,
    `TRANSFER_TOKEN_SALT=${secret()}`,
    `JWT_SECRET=${secret()}`,
    `ENCRYPTION_KEY=${secret()}`,
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  console.log('wrote playground/.env with fresh secrets');
}

async function waitForHealth(url, child, timeoutMs = 120_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`Strapi exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/_health`);
      if (response.status === 204 || response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Strapi did not answer ${url}/_health within ${timeoutMs / 1000} s`);
}

async function ensureDemoAdmin(url) {
  const response = await fetch(`${url}/admin/register-admin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(DEMO_ADMIN),
  });
  return response.ok ? 'created' : 'exists';
}

async function main() {
  run('building the plugin (strapi-plugin build)', bin('strapi-plugin'), ['build']);
  run('building the front-end kit', process.execPath, [path.join(root, 'scripts', 'build-kit.js')]);
  ensureEnvFile();

  const adminBuilt = path.join(playground, 'dist', 'build', 'index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'dist')),
    newestMtime(path.join(playground, 'src')),
    newestMtime(path.join(playground, 'config'))
  );
  if (!fs.existsSync(adminBuilt) || fs.statSync(adminBuilt).mtimeMs < sources) {
    run(
      'building the playground admin panel (strapi build, about a minute)',
      bin('strapi'),
      ['build'],
      {
        cwd: playground,
      }
    );
  } else {
    console.log('\nthe playground admin panel is up to date');
  }

  const env = { ...process.env, PORT: String(PORT), IFLYCHAT_DEMO: 'true' };
  let emulator = null;
  if (process.env.IFLYCHAT_API_KEY) {
    console.log(
      `\nusing the real iFlyChat at ${process.env.IFLYCHAT_BASE_URL || 'https://api.iflychat.com'}`
    );
  } else {
    const { createEmulator } = require('../tests/emulator/server');
    emulator = await createEmulator().start(EMULATOR_PORT);
    env.IFLYCHAT_API_KEY = emulator.apiKey;
    env.IFLYCHAT_BASE_URL = emulator.url;
    // Site users get chat tokens from the emulator, and the page loads its stand-in widget.
    env.IFLYCHAT_APP_ID = 'demo-app';
    env.IFLYCHAT_SCRIPT_URL = `${emulator.url}/js/iflychat-v2.min.js`;
    env.IFLYCHAT_WIDGET_ORIGIN = emulator.url;
    console.log(`\niFlyChat emulator listening on ${emulator.url}`);
  }

  const strapi = spawn(bin('strapi'), ['start'], { cwd: playground, env, stdio: 'inherit' });
  const stop = () => {
    strapi.kill('SIGTERM');
    if (emulator) emulator.stop().catch(() => undefined);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  strapi.on('exit', (code) => {
    if (emulator) emulator.stop().catch(() => undefined);
    process.exit(code ?? 0);
  });

  const url = `http://localhost:${PORT}`;
  await waitForHealth(url, strapi);
  const admin = await ensureDemoAdmin(url);

  console.log(`
────────────────────────────────────────────────────────────────────
 strapi-plugin-iflychat demo is running

 Admin panel:  ${url}/admin
 Log in with:  ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}${admin === 'exists' ? '  (or the admin you created earlier)' : ''}

 Try it: Content Manager → Community → Create new entry, give it a name,
 pick an audience (Authenticated or Public), Save, then Publish.
 A moment later the entry shows its Room Id.

 Chat page for site users:  ${url}/chat/
 Sign in as ada (Authenticated) or max (Members), password Demo-User-Pass-1:
 each sees the room of their Community, and the widget says who may enter.
${emulator ? `\n Rooms in the emulator:  ${emulator.url}/\n` : ''}
 Stop with Ctrl+C.
────────────────────────────────────────────────────────────────────`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
