/**
 * The transport boundary, written as the attack: a process that turned certificate checking
 * off for everyone (`NODE_TLS_REJECT_UNAUTHORIZED=0`, or another module loosening Node's global
 * agent), a man in the middle with a self-signed certificate, and proxy variables in the
 * environment that would route the API key through someone else's machine. The plugin's own
 * HTTPS agent checks certificates whatever the process says, and a proxy is used only when
 * `proxy` is set in config/plugins.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { createEmulator, type Emulator } from '../emulator/server';
import { createIflychatClient } from '../../server/src/iflychat/client';
import { IflychatRequestError } from '../../server/src/iflychat/errors';

const KEY = 'transport-test-key-5150';
const TLS = path.join(__dirname, '..', 'fixtures', 'tls');

/** Records what reaches it, and answers an empty room list. */
async function recorder(
  create: (handler: http.RequestListener) => http.Server
): Promise<{ url: string; port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = create((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"rooms":[],"length":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${port}`,
    port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await createEmulator({ apiKey: KEY }).start();
});
afterAll(async () => emulator.stop());

describe('certificates', () => {
  const saved = {
    env: process.env.NODE_TLS_REJECT_UNAUTHORIZED,
    global: https.globalAgent.options.rejectUnauthorized,
  };
  afterEach(() => {
    if (saved.env === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved.env;
    https.globalAgent.options.rejectUnauthorized = saved.global;
  });

  it('a self-signed server never gets the key, even with checking turned off process-wide', async () => {
    const impostor = await recorder((handler) =>
      https.createServer(
        {
          key: fs.readFileSync(path.join(TLS, 'self-signed.key')),
          cert: fs.readFileSync(path.join(TLS, 'self-signed.crt')),
        },
        handler
      )
    );
    try {
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
      https.globalAgent.options.rejectUnauthorized = false;
      // Node's own default would now accept the impostor:
      const loose = await fetchInsecure(`https://${impostor.url}/probe`);
      expect(loose).toBe(200);
      impostor.seen.length = 0;

      const client = createIflychatClient({
        apiKey: KEY,
        apiVersion: '1.1',
        baseUrl: `https://${impostor.url}`,
        timeoutMs: 2_000,
      });
      const error = await client.listRooms().then(
        () => null,
        (caught: unknown) => caught
      );
      expect(error).toBeInstanceOf(IflychatRequestError);
      expect(error).toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        mayHaveReachedServer: false,
      });
      expect(impostor.seen).toEqual([]);
    } finally {
      await impostor.close();
    }
  });
});

/** A request through Node's global agent, as another module of the process would make it. */
function fetchInsecure(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('proxies', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('proxy variables in the environment are ignored: the key goes straight to the base URL', async () => {
    const proxy = await recorder((handler) => http.createServer(handler));
    try {
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
        process.env[name] = `http://${proxy.url}`;
      }
      delete process.env.NO_PROXY;
      const client = createIflychatClient({
        apiKey: KEY,
        apiVersion: '1.1',
        baseUrl: emulator.url,
        timeoutMs: 2_000,
      });
      await client.listRooms();
      expect(emulator.requestsTo('/rooms/list').length).toBeGreaterThan(0);
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy set in config/plugins.ts is used', async () => {
    const proxy = await recorder((handler) => http.createServer(handler));
    try {
      const client = createIflychatClient({
        apiKey: KEY,
        apiVersion: '1.1',
        baseUrl: emulator.url,
        timeoutMs: 2_000,
        proxy: `http://${proxy.url}`,
      });
      expect(await client.listRooms()).toEqual([]);
      expect(proxy.seen).toHaveLength(1);
      expect(proxy.seen[0]).toContain(`POST ${emulator.url}/api/1.1/rooms/list`);
    } finally {
      await proxy.close();
    }
  });
});
