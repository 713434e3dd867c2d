/**
 * The API key boundary, written as the attack: an admin with `settings.update` (or a typo in the
 * base URL field) points test-connection or a save at a listener of their own on 127.0.0.1 and
 * hopes the stored key arrives there. It never does: the key goes only to the base URL it was
 * saved with, a key from config/plugins.ts is locked for test-connection too, and the answers
 * are the plugin's own sentences, never what the other server said or a socket error.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const STORED_KEY = 'stored-key-must-not-leak-4821';
const CONFIG_KEY = 'config-key-must-not-leak-9917';
const INTERNAL_PAGE = 'INTERNAL-ADMIN-PAGE secret=hunter2';

/** A server of the attacker's: records every request and answers an "internal" page. */
interface Listener {
  url: string;
  received: string[];
  close(): Promise<void>;
}

async function listener(answer: 'page' | 'hang' = 'page'): Promise<Listener> {
  const received: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${body}`);
      if (answer === 'hang') return;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(INTERNAL_PAGE);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const fieldPaths = (response: { json: any }) =>
  ((response.json?.error?.details?.errors ?? []) as Array<{ path: string[] }>).map((error) =>
    error.path.join('.')
  );

describe('a key saved in the admin', () => {
  let emulator: Emulator;
  let pg: Playground;
  let admin: Awaited<ReturnType<typeof adminSession>>;
  let evil: Listener;
  const seen: string[] = [];

  const settings = (overrides: Record<string, unknown> = {}) => ({
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 1000,
    concurrency: 4,
    maxAttempts: 8,
    roleMap: { public: '1', authenticated: '2' },
    contentTypes: {},
    ...overrides,
  });

  beforeAll(async () => {
    emulator = await createEmulator({ apiKey: STORED_KEY }).start();
    evil = await listener();
    pg = await bootPlayground({ pluginConfig: {}, listen: true });
    const session = await adminSession(pg);
    const record = (call: typeof session.post) => async (path: string, body?: unknown) => {
      const response = await call(path, body);
      seen.push(response.text);
      return response;
    };
    admin = { ...session, post: record(session.post), put: record(session.put) };
    const saved = await saveSettings(admin, settings({ apiKey: STORED_KEY }));
    expect(saved.status).toBe(200);
  });

  afterAll(async () => {
    await pg?.close();
    await evil?.close();
    await emulator?.stop();
  });

  it('test-connection to another base URL without the key typed again: 400, nothing sent', async () => {
    const response = await admin.post('/iflychat/settings/test-connection', {
      baseUrl: evil.url,
    });
    expect(response.status).toBe(400);
    expect(response.json.error.name).toBe('ValidationError');
    expect(fieldPaths(response)).toEqual(['apiKey']);
    expect(response.json.error.details.errors[0].message).toContain(
      `only ever sent to ${emulator.url}`
    );
    expect(evil.received).toEqual([]);
  });

  it('the same for a trailing-slash variant and for localhost on the other port', async () => {
    for (const baseUrl of [`${evil.url}/`, evil.url.replace('127.0.0.1', 'localhost')]) {
      const response = await admin.post('/iflychat/settings/test-connection', { baseUrl });
      expect([baseUrl, response.status]).toEqual([baseUrl, 400]);
    }
    expect(evil.received).toEqual([]);
  });

  it('saving another base URL without the key: 400 on apiKey, nothing saved', async () => {
    const response = await saveSettings(admin, settings({ baseUrl: evil.url }));
    expect(response.status).toBe(400);
    expect(fieldPaths(response)).toEqual(['apiKey']);
    const view = (await admin.get('/iflychat/settings')).json.data;
    expect(view.baseUrl).toBe(emulator.url);
    expect(view.apiKey.configured).toBe(true);
  });

  it('refuses plain http to anything but loopback, credentials, queries and fragments', async () => {
    const bad = [
      'http://api.iflychat.com',
      'ftp://127.0.0.1',
      `${evil.url}/?x=`,
      `${evil.url}#x`,
      'https://user:pass@api.iflychat.com',
      'not a url',
    ];
    for (const baseUrl of bad) {
      const test = await admin.post('/iflychat/settings/test-connection', {
        baseUrl,
        apiKey: 'typed-key-000001',
      });
      expect([baseUrl, test.status, fieldPaths(test)]).toEqual([baseUrl, 400, ['baseUrl']]);
      const save = await saveSettings(admin, settings({ baseUrl, apiKey: 'k-000001' }));
      expect([baseUrl, save.status, fieldPaths(save)]).toEqual([baseUrl, 400, ['baseUrl']]);
    }
    expect(evil.received).toEqual([]);
  });

  it("a typed key goes where it is told, and the other server's answer is never relayed", async () => {
    const response = await admin.post('/iflychat/settings/test-connection', {
      baseUrl: evil.url,
      apiKey: 'typed-key-for-a-test-77',
    });
    expect(response.status).toBe(200);
    expect(response.json.data.outcome).toBe('error');
    expect(response.text).not.toContain('INTERNAL');
    expect(response.text).not.toContain('hunter2');
    expect(evil.received).toHaveLength(1);
    expect(evil.received[0]).toContain('typed-key-for-a-test-77');
    expect(evil.received[0]).not.toContain(STORED_KEY);
  });

  it('a closed port and a silent one answer the same sentence (no port scanning)', async () => {
    const silent = await listener('hang');
    try {
      const closed = await admin.post('/iflychat/settings/test-connection', {
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'typed-key-000002',
      });
      const hanging = await admin.post('/iflychat/settings/test-connection', {
        baseUrl: silent.url,
        apiKey: 'typed-key-000002',
      });
      expect(closed.json.data.outcome).toBe('unreachable');
      expect(hanging.json.data).toEqual(closed.json.data);
      expect(closed.text).not.toMatch(/ECONNREFUSED|connect|socket/i);
    } finally {
      await silent.close();
    }
  });

  it('moving to another base URL with the key typed again works, and binds the key there', async () => {
    const second = await createEmulator({ apiKey: STORED_KEY }).start();
    try {
      const moved = await saveSettings(
        admin,
        settings({ baseUrl: second.url, apiKey: STORED_KEY })
      );
      expect(moved.status).toBe(200);
      const test = await admin.post('/iflychat/settings/test-connection', {});
      expect(test.json.data.outcome).toBe('ok');
      expect(second.requestsTo('/rooms/list')).toHaveLength(1);
      // Going back needs the key again too.
      const back = await saveSettings(admin, settings({ baseUrl: emulator.url }));
      expect(fieldPaths(back)).toEqual(['apiKey']);
      const restored = await saveSettings(
        admin,
        settings({ baseUrl: emulator.url, apiKey: STORED_KEY })
      );
      expect(restored.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('in the end the listener never saw the stored key, and no answer contained it', () => {
    for (const request of evil.received) expect(request).not.toContain(STORED_KEY);
    expect(seen.length).toBeGreaterThan(10);
    for (const body of seen) expect(body).not.toContain(STORED_KEY);
  });
});

describe('a key set in config/plugins.ts', () => {
  let emulator: Emulator;
  let pg: Playground;
  let admin: Awaited<ReturnType<typeof adminSession>>;
  let evil: Listener;

  beforeAll(async () => {
    emulator = await createEmulator({ apiKey: CONFIG_KEY }).start();
    evil = await listener();
    // The key is in the file, the base URL is not: the key goes to the file's (default) base
    // URL only, so the admin cannot point it anywhere.
    const { apiKey, contentTypes, roleMap } = playgroundConfig(emulator);
    pg = await bootPlayground({
      pluginConfig: { apiKey, contentTypes: { [COMMUNITY]: contentTypes[COMMUNITY] }, roleMap },
      listen: true,
    });
    admin = await adminSession(pg);
  });

  afterAll(async () => {
    await pg?.close();
    await evil?.close();
    await emulator?.stop();
  });

  it('locks the base URL with the key', async () => {
    const view = (await admin.get('/iflychat/settings')).json.data;
    expect(view.locked.keys).toEqual(['apiKey', 'baseUrl']);
    expect(view.baseUrl).toBe('https://api.iflychat.com');
  });

  it('test-connection cannot take the configured key elsewhere, nor take another key', async () => {
    const elsewhere = await admin.post('/iflychat/settings/test-connection', {
      baseUrl: evil.url,
    });
    expect(elsewhere.status).toBe(400);
    expect(fieldPaths(elsewhere)).toEqual(['baseUrl']);
    const otherKey = await admin.post('/iflychat/settings/test-connection', {
      apiKey: 'another-key-000003',
    });
    expect(otherKey.status).toBe(400);
    expect(fieldPaths(otherKey)).toEqual(['apiKey']);
    const save = await saveSettings(admin, {
      apiVersion: '1.1',
      baseUrl: evil.url,
      timeoutMs: 1000,
      concurrency: 4,
      maxAttempts: 8,
      roleMap: {},
      contentTypes: {},
    });
    expect(save.status).toBe(400);
    expect(fieldPaths(save)).toContain('baseUrl');
    expect(evil.received).toEqual([]);
  });
});
