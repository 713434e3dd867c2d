/** The HTTP client against the emulator over real HTTP on 127.0.0.1. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  createIflychatClient,
  parseRetryAfter,
  parseRoomId,
} from '../../server/src/iflychat/client';
import {
  IflychatApiError,
  IflychatRequestError,
  IflychatTimeoutError,
} from '../../server/src/iflychat/errors';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: 'secret-key-123456' }).start();
});
afterEach(() => emulator.reset());
afterAll(async () => emulator.stop());

function client(overrides: Partial<Parameters<typeof createIflychatClient>[0]> = {}) {
  return createIflychatClient({
    apiKey: emulator.apiKey,
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 500,
    ...overrides,
  });
}

const room = { name: 'General', role: '2', private: true, moderate: false };

describe('identity', () => {
  it('names the key, base URL and version, not the timeout or size caps, and never holds the key', () => {
    const base = client();
    expect(client({ timeoutMs: 5000, maxResponseBytes: 4096 }).identity).toBe(base.identity);
    expect(client({ apiKey: 'another-key-9876' }).identity).not.toBe(base.identity);
    expect(client({ apiVersion: '1.0' }).identity).not.toBe(base.identity);
    expect(client({ baseUrl: 'http://localhost:1' }).identity).not.toBe(base.identity);
    expect(base.identity).not.toContain(emulator.apiKey);
  });
});

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe.each(['1.1', '1.0'] as const)('API %s', (apiVersion) => {
  it('creates, lists, edits and deletes a room', async () => {
    const api = client({ apiVersion });
    const { roomId } = await api.createRoom(room);
    expect(roomId).toBe('1');

    expect(await api.listRooms()).toEqual([
      { roomId: '1', name: 'General', role: '2', private: true, moderate: false },
    ]);
    await api.editRoom(roomId, { ...room, name: 'Renamed', moderate: true });
    expect(emulator.rooms[0]).toMatchObject({ room_name: 'Renamed', room_moderate: '1' });
    await api.deleteRoom(roomId);
    expect(emulator.rooms).toEqual([]);

    const paths = emulator.requests.map((request) => request.path);
    expect(paths).toEqual([
      `/api/${apiVersion}/room/create`,
      `/api/${apiVersion}/rooms/list`,
      `/api/${apiVersion}/room/1/edit`,
      `/api/${apiVersion}/room/1/delete`,
    ]);
    const expectedType =
      apiVersion === '1.0' ? 'application/x-www-form-urlencoded' : 'application/json';
    for (const request of emulator.requests) expect(request.contentType).toContain(expectedType);
  });
});

describe('errors', () => {
  it('a wrong key is a non-retryable API error that never contains the key', async () => {
    const error = await caught(client({ apiKey: 'wrong-key-abcdef' }).createRoom(room));
    expect(error).toBeInstanceOf(IflychatApiError);
    expect(error).toMatchObject({ status: 403, retryable: false, mayHaveReachedServer: false });
    expect(error.message).toMatch(/refused the API key \(HTTP 403/);
    expect(JSON.stringify(error)).not.toContain('wrong-key-abcdef');
    expect(error.message).not.toContain('wrong-key-abcdef');
  });

  it('a body that echoes the key is redacted', async () => {
    emulator.configure({
      faults: [{ kind: 'status', status: 500, body: `bad key ${emulator.apiKey} here` }],
    });
    const error = (await caught(client().createRoom(room))) as IflychatApiError;
    expect(error.body).toBe('bad key [redacted] here');
    expect(error.message).not.toContain(emulator.apiKey);
  });

  it('a body that echoes the key URL-encoded or JSON-escaped is redacted too', async () => {
    const key = 'k3y/with "quotes"&spaces é';
    const echoes = [
      encodeURIComponent(key),
      new URLSearchParams({ k: key }).toString().slice(2),
      JSON.stringify(key).slice(1, -1),
    ];
    const server = http.createServer((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`echo: ${echoes.join(' | ')}\r\nX-Forged: yes`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = (await caught(
        client({ apiKey: key, baseUrl: `http://127.0.0.1:${port}` }).createRoom(room)
      )) as IflychatApiError;
      expect(error.body).toBe('echo: [redacted] | [redacted] | [redacted] X-Forged: yes');
      for (const echo of echoes) expect(error.message).not.toContain(echo);
      expect(error.message).not.toMatch(/[\r\n]/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([500, 502, 503])('HTTP %i is retryable', async (status) => {
    emulator.configure({ faults: [{ kind: 'status', status }] });
    const error = await caught(client().createRoom(room));
    expect(error).toMatchObject({ status, retryable: true, mayHaveReachedServer: false });
    expect(emulator.rooms).toHaveLength(0);
  });

  it('429 carries Retry-After', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 429, retryAfter: 7 }] });
    const error = await caught(client().createRoom(room));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterSeconds: 7 });
  });

  it('a 200 that is not JSON is a retryable error that may have created the room', async () => {
    emulator.configure({ faults: [{ kind: 'non-json', path: '/room/create' }] });
    const error = await caught(client().createRoom(room));
    expect(error).toBeInstanceOf(IflychatApiError);
    expect(error.message).toBe(
      'iFlyChat answered /api/1.1/room/create with a body that is not JSON (HTTP 200)'
    );
    expect(error).toMatchObject({ retryable: true, mayHaveReachedServer: true });
    expect(emulator.rooms).toHaveLength(1);
  });

  it('a room_id that is not a positive integer is an API error', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ room_id: -3 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await caught(client({ baseUrl: `http://127.0.0.1:${port}` }).createRoom(room));
      expect(error).toBeInstanceOf(IflychatApiError);
      expect(error.message).toBe(
        'iFlyChat answered /api/1.1/room/create without a positive integer room_id'
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('no answer in time is a timeout that may have reached the server', async () => {
    emulator.configure({ faults: [{ kind: 'hang' }] });
    const started = Date.now();
    const error = await caught(client({ timeoutMs: 300 }).createRoom(room));
    expect(error).toBeInstanceOf(IflychatTimeoutError);
    expect(error).toMatchObject({ retryable: true, mayHaveReachedServer: true, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a reset connection is a request error', async () => {
    emulator.configure({ faults: [{ kind: 'reset' }] });
    const error = await caught(client().createRoom(room));
    expect(error).toBeInstanceOf(IflychatRequestError);
    expect(error).toMatchObject({ retryable: true, mayHaveReachedServer: true });
  });

  it('a refused connection is a request error that never reached the server', async () => {
    const error = await caught(client({ baseUrl: 'http://127.0.0.1:9' }).createRoom(room));
    expect(error).toBeInstanceOf(IflychatRequestError);
    expect(error).toMatchObject({
      code: 'ECONNREFUSED',
      retryable: true,
      mayHaveReachedServer: false,
    });
    expect(error.message).not.toContain(emulator.apiKey);
  });
});

describe('parsing', () => {
  it('room ids', () => {
    expect(parseRoomId(5)).toBe('5');
    expect(parseRoomId('42')).toBe('42');
    expect(parseRoomId(0)).toBeUndefined();
    expect(parseRoomId(1.5)).toBeUndefined();
    expect(parseRoomId('abc')).toBeUndefined();
    expect(parseRoomId(null)).toBeUndefined();
  });

  it('Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8);
  });
});

describe('large answers', () => {
  it('lists hundreds of rooms', async () => {
    const api = client();
    for (let i = 0; i < 120; i += 1) {
      await api.createRoom({ ...room, name: `Room number ${i} with a long enough name` });
    }
    const rooms = await api.listRooms();
    expect(rooms).toHaveLength(120);
    expect(rooms[119]).toMatchObject({
      roomId: '120',
      name: 'Room number 119 with a long enough name',
    });
  });
});
