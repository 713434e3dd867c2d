/**
 * The settings store boundary, written as the attack: two admins save at once, or one saves a
 * page loaded before another admin cleared a compromised key (the stale page would silently
 * undo it); a key saved before `ENCRYPTION_KEY` existed stays in clear forever; an older
 * ciphertext format lingers. Stale saves answer 409, a key in clear or in the older format is
 * encrypted again (AES-256-GCM, HKDF, 16-byte tag) at the next start that has the key, and
 * `encryptedAtRest` says what is really stored.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  createAdminUser,
  loginAs,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const API_KEY = 'settings-store-key-3141';
const ENCRYPTION_KEY = crypto.randomBytes(16).toString('base64');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
});
afterAll(async () => emulator?.stop());

const settings = (overrides: Record<string, unknown> = {}) => ({
  apiVersion: '1.1',
  baseUrl: emulator.url,
  timeoutMs: 2000,
  concurrency: 4,
  maxAttempts: 8,
  roleMap: {},
  contentTypes: {},
  ...overrides,
});

async function storedRow(pg: Playground) {
  const row = await pg.strapi.db
    .query('strapi::core-store')
    .findOne({ where: { key: 'plugin_iflychat_settings' } });
  return JSON.parse(row.value as string) as Record<string, any>;
}

describe('concurrent saves', () => {
  let pg: Playground;
  let first: Awaited<ReturnType<typeof adminSession>>;
  let second: Awaited<ReturnType<typeof adminSession>>;

  beforeAll(async () => {
    pg = await bootPlayground({ pluginConfig: {}, listen: true });
    first = await adminSession(pg);
    second = await loginAs(
      pg,
      await createAdminUser(pg, 'second-admin@example.com', ['strapi-super-admin'])
    );
    expect((await saveSettings(first, settings({ apiKey: API_KEY }))).status).toBe(200);
  });
  afterAll(async () => pg?.close());

  it('a page loaded before another admin cleared the key cannot bring it back: 409', async () => {
    const loaded = (await first.get('/iflychat/settings')).json.data;
    const cleared = await second.put(
      '/iflychat/settings',
      settings({
        revision: (await second.get('/iflychat/settings')).json.data.revision,
        clearApiKey: true,
      })
    );
    expect(cleared.status).toBe(200);

    const stale = await first.put(
      '/iflychat/settings',
      settings({ revision: loaded.revision, apiKey: API_KEY, timeoutMs: 3000 })
    );
    expect(stale.status).toBe(409);
    expect(stale.json).toEqual({
      data: null,
      error: expect.objectContaining({ status: 409, name: 'ConflictError' }),
    });
    expect(stale.json.error.message).toContain('changed by someone else');
    const now = (await first.get('/iflychat/settings')).json.data;
    expect(now.apiKey.configured).toBe(false);
    expect(now.timeoutMs).toBe(2000);
  });

  it('a save that names no revision cannot overwrite a change it never saw: 400', async () => {
    const cleared = await saveSettings(second, settings({ clearApiKey: true }));
    expect(cleared.status).toBe(200);
    const before = await storedRow(pg);

    // A client that never loaded the page, or drops the field, brings the old key back otherwise.
    for (const revision of [undefined, null, '0', -1, 1.5]) {
      const blind = await first.put(
        '/iflychat/settings',
        settings({ revision, apiKey: API_KEY, timeoutMs: 3000 })
      );
      expect(blind.status).toBe(400);
      expect(blind.json.error.name).toBe('ValidationError');
      expect(blind.json.error.details.errors).toEqual([
        expect.objectContaining({ path: ['revision'] }),
      ]);
    }
    const omitted = await first.put('/iflychat/settings', settings({ apiKey: API_KEY }));
    expect(omitted.json.error.message).toBe(
      'revision: is required: send the revision the settings were loaded with (GET /iflychat/settings)'
    );
    expect(JSON.stringify(omitted.json)).not.toContain(API_KEY);

    expect(await storedRow(pg)).toEqual(before);
    const now = (await first.get('/iflychat/settings')).json.data;
    expect(now.apiKey.configured).toBe(false);
    expect(now.timeoutMs).toBe(2000);
  });

  it('two saves from the same revision at once: one wins, the other is told', async () => {
    const { revision } = (await first.get('/iflychat/settings')).json.data;
    const results = await Promise.all([
      first.put('/iflychat/settings', settings({ revision, timeoutMs: 4000 })),
      second.put('/iflychat/settings', settings({ revision, timeoutMs: 5000 })),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    const winner = results.find((result) => result.status === 200)!;
    const now = (await first.get('/iflychat/settings')).json.data;
    expect(now.timeoutMs).toBe(winner.json.data.timeoutMs);
    expect(now.revision).toBe(revision + 1);
  });
});

describe('encryption at rest', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iflychat-secrets-'));
  const database = path.join(dir, 'data.db');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const boot = (encryptionKey: string) =>
    bootPlayground({
      pluginConfig: {},
      listen: true,
      env: { ENCRYPTION_KEY: encryptionKey, DATABASE_FILENAME: database },
    });

  it('a key saved without ENCRYPTION_KEY is stored in clear, and the page says so', async () => {
    const pg = await boot('');
    try {
      const admin = await adminSession(pg);
      const saved = await saveSettings(admin, settings({ apiKey: API_KEY }));
      expect(saved.json.data.encryptedAtRest).toBe(false);
      expect((await storedRow(pg)).apiKey).toEqual({ value: API_KEY, encrypted: false });
    } finally {
      await pg.close();
    }
  });

  it('is encrypted at the next start that has ENCRYPTION_KEY, and still works', async () => {
    const pg = await boot(ENCRYPTION_KEY);
    try {
      const stored = await storedRow(pg);
      expect(stored.apiKey.encrypted).toBe(true);
      expect(stored.apiKey.value).toMatch(/^v2:[0-9a-f]{32}:[0-9a-f]{24}:[0-9a-f]+:[0-9a-f]{32}$/);
      expect(JSON.stringify(stored)).not.toContain(API_KEY);
      expect(pg.logs.join('\n')).toContain('the stored secrets are now encrypted');
      const admin = await loginAs(pg, {
        email: 'admin@example.com',
        password: 'Playground-Admin-1',
      });
      const view = (await admin.get('/iflychat/settings')).json.data;
      expect(view.encryptedAtRest).toBe(true);
      expect(view.apiKey.configured).toBe(true);
      const test = await admin.post('/iflychat/settings/test-connection', {});
      expect(test.json.data.outcome).toBe('ok');

      // Then the older format (a SHA-256 derived key) written by a previous version...
      const legacy = legacySeal(API_KEY, ENCRYPTION_KEY);
      await pg.strapi.db.query('strapi::core-store').updateMany({
        where: { key: 'plugin_iflychat_settings' },
        data: { value: JSON.stringify({ ...stored, apiKey: legacy }) },
      });
    } finally {
      await pg.close();
    }
  });

  it('the older format is read, then rewritten in the current one at startup', async () => {
    const pg = await boot(ENCRYPTION_KEY);
    try {
      const stored = await storedRow(pg);
      expect(stored.apiKey.value).toMatch(/^v2:/);
      const admin = await loginAs(pg, {
        email: 'admin@example.com',
        password: 'Playground-Admin-1',
      });
      expect((await admin.post('/iflychat/settings/test-connection', {})).json.data.outcome).toBe(
        'ok'
      );
    } finally {
      await pg.close();
    }
  });

  it('a changed ENCRYPTION_KEY makes the key unreadable, never garbage sent to iFlyChat', async () => {
    const before = emulator.requests.length;
    const pg = await boot(crypto.randomBytes(16).toString('base64'));
    try {
      const admin = await loginAs(pg, {
        email: 'admin@example.com',
        password: 'Playground-Admin-1',
      });
      const view = (await admin.get('/iflychat/settings')).json.data;
      expect(view.apiKey.configured).toBe(false);
      expect(pg.logs.join('\n')).toContain('cannot be decrypted');
      expect(emulator.requests.length).toBe(before);
    } finally {
      await pg.close();
    }
  });
});

/** The v1 format of plugin 0.1: AES-256-GCM under sha256("iflychat:" + key). */
function legacySeal(secret: string, encryptionKey: string) {
  const key = crypto.createHash('sha256').update(`iflychat:${encryptionKey}`).digest();
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return {
    value: [
      'v1',
      iv.toString('hex'),
      data.toString('hex'),
      cipher.getAuthTag().toString('hex'),
    ].join(':'),
    encrypted: true,
  };
}
