/**
 * "Check my account" (`POST /iflychat/settings/check-account`) against the emulator: each outcome
 * a call can come to, nothing left behind, a room that cannot be deleted named with its id, a
 * bounded check when iFlyChat is slow or answers too much, and the key that never comes back out.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

import type { AccountCheckResult } from '../../contracts/settings';
import { callPath } from '../../server/src/iflychat/catalogue';
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  createAdminUser,
  httpClient,
  loginAs,
  PLAYGROUND,
  playgroundEnv,
  prepareDist,
  removeRun,
  ROOT,
  type Playground,
} from '../helpers/playground';

const API_KEY = 'account-check-key-5b1e77';
const APP_ID = 'app-0a1b2c3d';

let emulator: Emulator;
let pg: Playground;
let admin: ReturnType<typeof httpClient>;
/** Every answer seen in this file, to prove the key never leaves the server. */
const seen: string[] = [];

function settings(overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 1500,
    concurrency: 4,
    maxAttempts: 8,
    roleMap: {},
    contentTypes: {},
    apiKey: API_KEY,
    appId: APP_ID,
    ...overrides,
  };
}

async function save(overrides: Record<string, unknown> = {}) {
  const view = await admin.get('/iflychat/settings');
  const response = await admin.put('/iflychat/settings', {
    ...settings(overrides),
    revision: view.json.data.revision,
  });
  expect(response.status).toBe(200);
}

async function check(body: Record<string, unknown> = {}) {
  const response = await admin.post('/iflychat/settings/check-account', body);
  seen.push(response.text);
  expect(response.status).toBe(200);
  return response.json.data as AccountCheckResult;
}

/** call → outcome, in the order of the check. */
function outcomes(result: AccountCheckResult) {
  return Object.fromEntries(result.lines.map((line) => [line.call, line.outcome]));
}

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  pg = await bootPlayground({ pluginConfig: {}, listen: true });
  admin = await adminSession(pg);
  await save();
});

beforeEach(() => emulator.reset());

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
  expect(seen.length).toBeGreaterThan(10);
  for (const text of [...seen, ...pg.logs]) expect(text).not.toContain(API_KEY);
});

describe('every call works', () => {
  it('runs each call once, on the catalogue paths, and leaves nothing behind', async () => {
    const result = await check();
    expect(result).toMatchObject({ ok: true, noKey: false, leftoverRoomId: null });
    expect(result.message).toBe('Every call the settings need works.');
    expect(outcomes(result)).toEqual({
      'room.create': 'works',
      'room.edit': 'works',
      'rooms.list': 'works',
      'room.delete': 'works',
      'token.generate': 'works',
      'token.delete': 'works',
    });
    const paths = emulator.requests.map((request) => request.path);
    const create = emulator.requestsTo('room/create')[0];
    const roomId = paths[1].split('/')[4];
    expect(paths.slice(0, 4)).toEqual([
      callPath('room.create', '1.1'),
      callPath('room.edit', '1.1', { roomId }),
      callPath('rooms.list', '1.1'),
      callPath('room.delete', '1.1', { roomId }),
    ]);
    expect(paths[4]).toBe(callPath('token.generate', '1.1'));
    expect(paths[5]).toMatch(/^\/api\/1\.1\/token\/[^/]+\/delete$/);
    // A throwaway room for a role nobody has, edited, then gone; the token is gone too.
    expect(create.body).toMatchObject({ room_name: expect.stringMatching(/^Account check /) });
    expect(String(create.body.room_role)).toMatch(/^check-/);
    expect(emulator.requestsTo('/edit')[0].body).toMatchObject({ room_moderate: '1' });
    expect(emulator.requestsTo('token/generate')[0].body).toMatchObject({
      app_id: APP_ID,
      chat_role: 'viewer',
    });
    expect(emulator.rooms).toEqual([]);
    expect(emulator.tokens).toEqual([]);
  });

  it('with API 1.0 the bodies are form-encoded and the token calls keep their 1.1 path', async () => {
    const result = await check({ apiVersion: '1.0' });
    expect(result.ok).toBe(true);
    expect(emulator.requestsTo('/api/1.0/room/create')).toHaveLength(1);
    expect(emulator.requestsTo('/api/1.1/token/generate')[0].contentType).toContain('urlencoded');
    expect(emulator.rooms).toEqual([]);
  });

  it('without an app id the token calls are not tried, and the check still passes', async () => {
    await save({ appId: undefined, clearAppId: true });
    try {
      const result = await check();
      expect(result.ok).toBe(true);
      expect(result.lines.slice(4)).toEqual([
        expect.objectContaining({ call: 'token.generate', outcome: 'skipped' }),
        expect.objectContaining({ call: 'token.delete', outcome: 'skipped' }),
      ]);
      expect(result.lines[4].message).toMatch(/no app id/);
      expect(emulator.requestsTo('token/')).toEqual([]);
    } finally {
      await save();
    }
  });

  it('the same check from code: the settings service method', async () => {
    const result: AccountCheckResult = await pg.strapi
      .plugin('iflychat')
      .service('settings')
      .checkAccount();
    expect(result.ok).toBe(true);
    expect(result.lines).toHaveLength(6);
  });
});

describe('each outcome', () => {
  it('refused by the plan: a free plan cannot create rooms, the key works for the rest', async () => {
    emulator.configure({ plan: { name: 'free' } });
    const result = await check();
    expect(result.ok).toBe(false);
    expect(outcomes(result)).toEqual({
      'room.create': 'plan',
      'room.edit': 'skipped',
      'rooms.list': 'works',
      'room.delete': 'skipped',
      'token.generate': 'works',
      'token.delete': 'works',
    });
    expect(result.lines[0]).toMatchObject({ status: 403 });
    expect(result.lines[0].message).toMatch(/refused by your iFlyChat plan/);
    expect(result.message).toBe('1 of 6 call(s) do not work.');
  });

  it('invalid key: refused for every call', async () => {
    const result = await check({ apiKey: 'not-the-key-123456' });
    expect(result.ok).toBe(false);
    expect(outcomes(result)).toEqual({
      'room.create': 'invalid-key',
      'room.edit': 'skipped',
      'rooms.list': 'invalid-key',
      'room.delete': 'skipped',
      'token.generate': 'invalid-key',
      'token.delete': 'skipped',
    });
    expect(JSON.stringify(result)).not.toContain('not-the-key-123456');
  });

  it('not found: a path iFlyChat does not know (the API may have changed)', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 404, path: 'rooms/list' }] });
    const result = await check();
    expect(outcomes(result)['rooms.list']).toBe('not-found');
    expect(result.lines[2].message).toMatch(/the API may have changed/);
    expect(emulator.rooms).toEqual([]);
  });

  it('unreachable: nothing listens at the base URL', async () => {
    const result = await check({ baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY });
    expect(outcomes(result)).toEqual({
      'room.create': 'unreachable',
      'room.edit': 'skipped',
      'rooms.list': 'unreachable',
      'room.delete': 'skipped',
      'token.generate': 'skipped',
      'token.delete': 'skipped',
    });
    expect(result.lines[4].message).toMatch(/did not answer/);
  });

  it('an answer that is not iFlyChat’s: HTML, or JSON of another shape', async () => {
    emulator.configure({
      faults: [
        { kind: 'json', path: 'room/create', json: { id: 'x' } },
        { kind: 'non-json', path: 'token/generate', body: '<html>proxy</html>' },
      ],
    });
    const result = await check();
    expect(outcomes(result)).toMatchObject({
      'room.create': 'not-iflychat',
      'token.generate': 'not-iflychat',
    });
    expect(JSON.stringify(result)).not.toContain('proxy');
  });

  it('iFlyChat busy (HTTP 503): the line says to try later', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 503, path: 'token/generate' }] });
    const result = await check();
    expect(result.lines[4]).toMatchObject({ outcome: 'unreachable', status: 503 });
    expect(result.lines[4].message).toMatch(/try again later/);
  });
});

describe('a throwaway room that cannot be deleted', () => {
  it('is named with its id, in the answer and in the log', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 500, path: 'delete', times: 1 }] });
    const result = await check();
    expect(emulator.rooms).toHaveLength(1);
    const roomId = String(emulator.rooms[0].room_id);
    expect(result.ok).toBe(false);
    expect(result.leftoverRoomId).toBe(roomId);
    expect(outcomes(result)['room.delete']).toBe('unreachable');
    expect(result.message).toContain(`The throwaway room ${roomId} could not be deleted`);
    expect(pg.logs.some((line) => line.includes(`could not delete its room ${roomId}`))).toBe(true);
  });

  it('a plan that refuses deletes leaves the room, named, and the delete line says plan', async () => {
    emulator.configure({ plan: { refuse: ['room.delete'] } });
    const result = await check();
    expect(outcomes(result)['room.delete']).toBe('plan');
    expect(result.leftoverRoomId).toBe(String(emulator.rooms[0].room_id));
  });

  it('a create whose answer was lost is found by name in the list and deleted', async () => {
    emulator.configure({ faults: [{ kind: 'reset-after', path: 'room/create' }] });
    const result = await check();
    expect(outcomes(result)).toMatchObject({
      'room.create': 'unreachable',
      'rooms.list': 'works',
      'room.delete': 'works',
    });
    expect(emulator.rooms).toEqual([]);
  });
});

describe('bounded', () => {
  it('a server that never answers costs at most the timeout per call', async () => {
    emulator.configure({ faults: [{ kind: 'hang' }] });
    const started = Date.now();
    const result = await check();
    // Two calls are tried (the create, then the list for its cleanup), 1.5 s each.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(result.lines.filter((line) => line.outcome === 'unreachable')).toHaveLength(2);
  });

  it('a huge list is cut off and reported as not iFlyChat’s answer', async () => {
    emulator.configure({
      faults: [{ kind: 'huge', path: 'rooms/list', bytes: 64 * 1024 * 1024 }],
    });
    const result = await check();
    expect(outcomes(result)['rooms.list']).toBe('not-iflychat');
    expect(outcomes(result)['room.delete']).toBe('works');
  });
});

describe('who may run it, and the key rules', () => {
  it('401 without a session; 403 for an admin without settings.update', async () => {
    const anonymous = await fetch(`${pg.url}/iflychat/settings/check-account`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    const role = await pg.strapi.service('admin::role').create({
      name: 'Chat settings readers',
      description: 'May look at the iFlyChat settings',
    });
    await pg.strapi
      .service('admin::role')
      .assignPermissions(role.id, [{ action: 'plugin::iflychat.settings.read' }]);
    const reader = await loginAs(pg, await createAdminUser(pg, 'checker@example.com', [role.id]));
    const editor = await loginAs(
      pg,
      await createAdminUser(pg, 'check-editor@example.com', ['strapi-editor'])
    );
    for (const client of [reader, editor]) {
      const response = await client.post('/iflychat/settings/check-account', {});
      seen.push(response.text);
      expect(response.status).toBe(403);
    }
    expect(emulator.requests).toEqual([]);
  });

  it('the stored key never goes to another base URL: 400 naming apiKey', async () => {
    const other = await createEmulator({ apiKey: API_KEY }).start();
    try {
      const response = await admin.post('/iflychat/settings/check-account', {
        baseUrl: other.url,
      });
      seen.push(response.text);
      expect(response.status).toBe(400);
      expect(response.json.error.details.errors[0].path).toEqual(['apiKey']);
      expect(other.requests).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('400 naming the field for a bad value', async () => {
    const response = await admin.post('/iflychat/settings/check-account', { apiVersion: '2.0' });
    seen.push(response.text);
    expect(response.status).toBe(400);
    expect(response.json.error.details.errors[0].path).toEqual(['apiVersion']);
  });

  it('no key: says so and calls nothing', async () => {
    await save({ apiKey: undefined, clearApiKey: true });
    try {
      const result = await check();
      expect(result).toMatchObject({ ok: false, noKey: true, lines: [] });
      expect(emulator.requests).toEqual([]);
    } finally {
      await save();
    }
  });
});

describe('from a deploy pipeline: npx iflychat-check-account', () => {
  /** Runs the package's bin against a compiled copy of the playground configured in the file. */
  function runBin(distDir: string): Promise<{ code: number; out: string }> {
    const bin = path.join(ROOT, 'bin', 'iflychat-check-account.js');
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [bin, '--app-dir', PLAYGROUND, '--dist-dir', distDir],
        { env: { ...process.env, ...playgroundEnv(distDir) }, timeout: 90_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, out: `${stdout}${stderr}` });
        }
      );
    });
  }

  it('exits 0 when every call works, 1 when the plan refuses one; never prints the key', async () => {
    const distDir = prepareDist({ apiKey: API_KEY, appId: APP_ID, baseUrl: emulator.url });
    try {
      const works = await runBin(distDir);
      expect(works.out).toContain('Every call the settings need works.');
      expect(works.out).toMatch(/^ok {3}room\.create \/api\/1\.1\/room\/create: works\.$/m);
      expect(works.code).toBe(0);
      expect(emulator.rooms).toEqual([]);

      emulator.configure({ plan: { name: 'free' } });
      const refused = await runBin(distDir);
      expect(refused.out).toMatch(/^FAIL room\.create .*refused by your iFlyChat plan/m);
      expect(refused.code).toBe(1);
      for (const out of [works.out, refused.out]) expect(out).not.toContain(API_KEY);
    } finally {
      removeRun(distDir);
    }
  }, 200_000);
});
