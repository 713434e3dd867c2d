/**
 * The list of iFlyChat calls (server/src/iflychat/calls.json) is the one place paths live: the
 * client builds its requests from it, the emulator answers it, the README shows it, and the
 * account check and its pure parts read it.
 */
import fs from 'node:fs';
import path from 'node:path';

import { ACCOUNT_CHECK_CALLS } from '../../contracts/settings';
import { failedLine, finishLines } from '../../server/src/settings/account-check';
import { CALL_IDS, CATALOGUE, callPath, catalogueTable } from '../../server/src/iflychat/catalogue';
import { createIflychatClient } from '../../server/src/iflychat/client';
import { IflychatApiError, IflychatTimeoutError } from '../../server/src/iflychat/errors';
import { deleteToken, generateToken } from '../../server/src/iflychat/tokens';
import { createEmulator, type Emulator } from '../emulator/server';

const API_VERSIONS = ['1.1', '1.0'] as const;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await createEmulator({ apiKey: 'catalogue-key-0001' }).start();
});
afterEach(() => emulator.reset());
afterAll(async () => emulator.stop());

describe('the list', () => {
  it('names every call the plugin makes, each with its source, paths, body and answer', () => {
    expect(CALL_IDS).toEqual([
      'room.create',
      'room.edit',
      'room.delete',
      'rooms.list',
      'token.generate',
      'token.delete',
      'room.users',
      'users.list',
      'user.kick',
      'user.ban',
      'user.unban',
      'users.banned',
      'ip.ban',
      'ip.unban',
      'ips.banned',
      'threads.get',
      'threads.delete',
    ]);
    for (const id of CALL_IDS) {
      const call = CATALOGUE[id];
      expect([id, call.method, call.plan === 'any' || call.plan === 'enterprise']).toEqual([
        id,
        'POST',
        true,
      ]);
      for (const version of API_VERSIONS) expect(call.paths[version]).toMatch(/^\/api\/1\.[01]\//);
      expect(call.source.length).toBeGreaterThan(10);
      expect(call.body.length).toBeGreaterThan(3);
      expect(call.answer.length).toBeGreaterThan(3);
    }
  });

  it('the account check makes only calls of the list', () => {
    for (const call of ACCOUNT_CHECK_CALLS) expect(CALL_IDS).toContain(call);
  });

  it('fills placeholders URL-encoded and refuses a missing one', () => {
    expect(callPath('room.edit', '1.0', { roomId: '12' })).toBe('/api/1.0/room/12/edit');
    expect(callPath('token.delete', '1.0', { token: 'a/b?c' })).toBe(
      '/api/1.1/token/a%2Fb%3Fc/delete'
    );
    expect(() => callPath('room.delete', '1.1')).toThrow('room.delete: the path needs {roomId}');
  });

  it('the README shows the same table', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(catalogueTable());
  });
});

describe('the client and the emulator read the same list', () => {
  it.each(API_VERSIONS)(
    'API %s: every call the client makes lands on a path the emulator answers',
    async (apiVersion) => {
      const client = createIflychatClient({
        apiKey: emulator.apiKey,
        apiVersion,
        baseUrl: emulator.url,
        timeoutMs: 2000,
      });
      const { roomId } = await client.createRoom({
        name: 'A',
        role: '0',
        private: false,
        moderate: false,
      });
      await client.editRoom(roomId, { name: 'B', role: '0', private: false, moderate: true });
      await client.listRooms();
      await client.deleteRoom(roomId);
      const issued = await generateToken(client, {
        appId: 'app',
        userId: 'u1',
        userName: 'User',
        chatRole: 'viewer',
        userRoles: {},
      });
      await deleteToken(client, issued.token);
      expect(emulator.requests.map((request) => [request.path, request.outcome])).toEqual([
        [callPath('room.create', apiVersion), '200'],
        [callPath('room.edit', apiVersion, { roomId }), '200'],
        [callPath('rooms.list', apiVersion), '200'],
        [callPath('room.delete', apiVersion, { roomId }), '200'],
        [callPath('token.generate', apiVersion), '200'],
        [callPath('token.delete', apiVersion, { token: issued.token }), '200'],
      ]);
    }
  );

  it('the emulator knows no path outside the list', async () => {
    const response = await fetch(`${emulator.url}/api/1.0/token/generate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `api_key=${emulator.apiKey}&app_id=a&user_id=u&user_name=n`,
    });
    expect(response.status).toBe(404);
  });

  it('a free plan refuses exactly the calls the list marks enterprise, with HTTP 403', async () => {
    emulator.configure({ plan: { name: 'free' } });
    const refused: string[] = [];
    for (const id of CALL_IDS) {
      const response = await fetch(
        `${emulator.url}${callPath(id, '1.1', { roomId: '1', token: 't', userId: 'u1', ip: '10.0.0.1' })}`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ api_key: emulator.apiKey }),
        }
      );
      if (response.status === 403) refused.push(id);
    }
    expect(refused).toEqual(CALL_IDS.filter((id) => CATALOGUE[id].plan === 'enterprise'));
  });
});

describe('the lines of the account check', () => {
  const path403 = new IflychatApiError({ path: '/p', status: 403, body: 'secret body' });

  it('a 403 is the plan when another call worked, the key when none did', () => {
    const refused = failedLine('room.create', '/p', path403);
    const works = {
      call: 'rooms.list' as const,
      path: '/l',
      outcome: 'works' as const,
      message: '',
    };
    expect(finishLines([refused, works])[0]).toMatchObject({ outcome: 'plan', status: 403 });
    expect(finishLines([refused])[0]).toMatchObject({ outcome: 'invalid-key' });
    expect(finishLines([refused])[0].message).toBe('iFlyChat refused the API key (HTTP 403).');
  });

  it('maps each failure to its outcome, never keeping the answer', () => {
    const outcome = (error: unknown) => finishLines([failedLine('room.edit', '/p', error)])[0];
    expect(outcome(new IflychatApiError({ path: '/p', status: 404, body: 'x' })).outcome).toBe(
      'not-found'
    );
    expect(outcome(new IflychatApiError({ path: '/p', status: 502, body: 'x' }))).toMatchObject({
      outcome: 'unreachable',
      status: 502,
    });
    expect(
      outcome(new IflychatApiError({ path: '/p', status: 200, body: 'x', invalidAnswer: true }))
        .outcome
    ).toBe('not-iflychat');
    expect(
      outcome(new IflychatTimeoutError({ path: '/p', timeoutMs: 5, sent: true })).outcome
    ).toBe('unreachable');
    expect(outcome(new Error('boom')).outcome).toBe('not-iflychat');
    expect(JSON.stringify(finishLines([failedLine('room.edit', '/p', path403)]))).not.toContain(
      'secret body'
    );
  });
});
