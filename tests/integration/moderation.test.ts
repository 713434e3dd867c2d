/**
 * Moderation over the real admin API, against a real Strapi on SQLite and the emulator: each
 * iFlyChat call goes out with the documented path and body; every route refuses admins without
 * `chat.moderate` (an Editor, an Author, a role with only `rooms.read`), written as the attack;
 * bad input answers 400 naming the field; hostile answers (huge, malformed, slow, an error page)
 * give the plugin's own words and never iFlyChat's body; every action is in the moderation log;
 * and with `banBlockedUsers` blocking a site user bans them, unblocking unbans them, without
 * holding or breaking the save when iFlyChat fails.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  entryRows,
  loginAs,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';
import { addSiteUser } from '../helpers/site-users';

const USER_UID = 'plugin::users-permissions.user';
const REMOTE_SECRET = 'REMOTE-BODY-7f3a';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let roomId: string;
let alice: { id: number; documentId: string };
let aliceChatId: string;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, { timeoutMs: 3_000, banBlockedUsers: true }),
  });
  admin = await adminSession(pg);
  const documents = pg.strapi.documents(COMMUNITY);
  const audience = await roleId(pg.strapi, 'authenticated');
  const doc = await documents.create({ data: { name: 'Gardeners', audience } as never });
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  roomId = String((await entryRows(pg.strapi, COMMUNITY, doc.documentId))[0].roomId);
  alice = await addSiteUser(pg.strapi, 'alice', 'authenticated', 'Alice-Pass-1');
  aliceChatId = `strapi-${alice.id}`;
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

afterEach(() => emulator.configure({ faults: [], latencyMs: 0 }));

const bodyOf = (fragment: string) => {
  const sent = emulator.requestsTo(fragment);
  return sent[sent.length - 1];
};
const fieldError = (response: { json: any }) =>
  (response.json?.error?.details?.errors ?? []).map((e: { path: string[] }) => e.path.join('.'));

/** Every moderation route, with a valid input. */
const ROUTES: Array<[method: 'get' | 'post', path: string, body?: unknown]> = [
  ['get', '/iflychat/moderation/room-users?roomId=1'],
  ['get', '/iflychat/moderation/online'],
  ['get', '/iflychat/moderation/banned'],
  ['post', '/iflychat/moderation/kick', { userId: 'strapi-1' }],
  ['post', '/iflychat/moderation/ban', { userId: 'strapi-1' }],
  ['post', '/iflychat/moderation/unban', { userId: 'strapi-1' }],
  ['post', '/iflychat/moderation/ip-unban', { ip: '10.0.0.1' }],
  ['get', '/iflychat/moderation/history?roomId=1'],
  ['get', '/iflychat/moderation/transcript?roomId=1&format=csv'],
  ['post', '/iflychat/moderation/clear', { roomId: '1' }],
  ['get', '/iflychat/moderation/accounts?q=a'],
  ['get', '/iflychat/moderation/log'],
];

describe('each call reaches iFlyChat with the documented shape', () => {
  it('who is online in the room and on the site, with the site account behind each id', async () => {
    expect(emulator.online(roomId, { user_id: aliceChatId, user_name: 'alice' })).toBe(true);
    emulator.online(roomId, { user_id: '0-14358329043yvbs', user_name: 'Guest 42' });

    const inRoom = await admin.get(`/iflychat/moderation/room-users?roomId=${roomId}`);
    expect(inRoom.status).toBe(200);
    expect(inRoom.json.data).toEqual([
      expect.objectContaining({ userId: aliceChatId, name: 'alice', accountId: alice.id }),
      expect.objectContaining({ userId: '0-14358329043yvbs', name: 'Guest 42', accountId: null }),
    ]);
    const call = bodyOf(`/room/${roomId}/users`);
    expect([call.path, Object.keys(call.body)]).toEqual([
      `/api/1.1/room/${roomId}/users`,
      ['api_key'],
    ]);

    const site = await admin.get('/iflychat/moderation/online');
    expect(site.status).toBe(200);
    expect(site.json.data.map((u: { userId: string }) => u.userId).sort()).toEqual(
      ['0-14358329043yvbs', aliceChatId].sort()
    );
    expect(bodyOf('/users/list').path).toBe('/api/1.1/users/list');
  });

  it('history and transcripts: the range and limit are sent as threads/get documents them', async () => {
    const base = Date.UTC(2026, 0, 10, 12) / 1000;
    emulator.say(roomId, aliceChatId, 'too early', base - 86_400);
    emulator.say(roomId, aliceChatId, 'hello', base);
    emulator.say(roomId, aliceChatId, '=HYPERLINK("http://evil")', base + 60);

    const history = await admin.get(
      `/iflychat/moderation/history?roomId=${roomId}&from=2026-01-10&to=2026-01-11&limit=10`
    );
    expect(history.status).toBe(200);
    expect(history.json.data.map((m: { message: string }) => m.message)).toEqual([
      'hello',
      '=HYPERLINK("http://evil")',
    ]);
    expect(bodyOf('/threads/get').body).toEqual({
      api_key: emulator.apiKey,
      room_id: roomId,
      start_timestamp: String(Date.UTC(2026, 0, 10) / 1000),
      end_timestamp: String(Date.UTC(2026, 0, 11) / 1000),
      limit: '10',
    });

    const csv = await admin.get(
      `/iflychat/moderation/transcript?roomId=${roomId}&from=2026-01-10&format=csv`
    );
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('time,fromId,fromName,message,messageId');
    expect(lines[1]).toContain(',hello,');
    // A message that a spreadsheet would run as a formula stays text.
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://evil"")"`);

    const json = await admin.get(`/iflychat/moderation/transcript?roomId=${roomId}`);
    expect(JSON.parse(json.text).messages).toHaveLength(3);
  });

  it('kick, ban by Strapi account (with the IP), the banned lists, unban and IP unban', async () => {
    emulator.online(roomId, { user_id: aliceChatId, user_name: 'alice', ip: '203.0.113.9' });
    const kick = await admin.post('/iflychat/moderation/kick', { userId: aliceChatId });
    expect(kick.status).toBe(200);
    expect(bodyOf('/kick').path).toBe(`/api/1.1/user/${aliceChatId}/kick`);
    expect(emulator.moderation.online[roomId]).not.toContain(aliceChatId);

    const ban = await admin.post('/iflychat/moderation/ban', { accountId: alice.id, banIp: true });
    expect([ban.status, ban.json.data]).toEqual([200, { userId: aliceChatId }]);
    expect(bodyOf('/user/').path).toBe(`/api/1.1/user/${aliceChatId}/ban`);
    expect(bodyOf('/ip/').path).toBe(`/api/1.1/ip/${aliceChatId}/ban`);

    const banned = await admin.get('/iflychat/moderation/banned');
    expect(banned.status).toBe(200);
    expect(banned.json.data).toEqual({
      users: [{ userId: aliceChatId, name: 'alice', accountId: alice.id }],
      ips: ['203.0.113.9'],
    });
    expect(emulator.requestsTo('/users/banned/list')).not.toHaveLength(0);
    expect(emulator.requestsTo('/ips/banned/list')).not.toHaveLength(0);

    expect((await admin.post('/iflychat/moderation/ip-unban', { ip: '203.0.113.9' })).status).toBe(
      200
    );
    expect(bodyOf('/unban').path).toBe('/api/1.1/ip/203.0.113.9/unban');
    expect((await admin.post('/iflychat/moderation/unban', { userId: aliceChatId })).status).toBe(
      200
    );
    expect(bodyOf('/unban').path).toBe(`/api/1.1/user/${aliceChatId}/unban`);
    expect(emulator.moderation).toMatchObject({ banned: [], bannedIps: [] });
  });

  it('clear history sends threads/delete with the room id', async () => {
    emulator.say(roomId, aliceChatId, 'to be cleared');
    const cleared = await admin.post('/iflychat/moderation/clear', { roomId });
    expect(cleared.status).toBe(200);
    expect(bodyOf('/threads/delete').body).toEqual({ api_key: emulator.apiKey, room_id: roomId });
    expect(emulator.moderation.messages[roomId]).toBeUndefined();
  });

  it('finds site accounts to ban by username or e-mail, with their chat ids', async () => {
    const found = await admin.get('/iflychat/moderation/accounts?q=ALI');
    expect(found.json.data).toEqual([
      {
        id: alice.id,
        username: 'alice',
        email: 'alice@example.com',
        blocked: false,
        userId: aliceChatId,
      },
    ]);
  });
});

describe('admins without "Moderate the chat" are refused', () => {
  it('an Editor, an Author and a role with only rooms.read get 403 on every route, and nothing reaches iFlyChat', async () => {
    const role = (await pg.strapi.service('admin::role').create({
      name: 'Rooms reader',
      description: 'sees the Rooms page',
    })) as { id: number };
    await pg.strapi
      .service('admin::role')
      .assignPermissions(role.id, [{ action: 'plugin::iflychat.rooms.read', subject: null }]);
    const intruders = [
      await loginAs(pg, await createAdminUser(pg, 'editor@example.com', ['strapi-editor'])),
      await loginAs(pg, await createAdminUser(pg, 'author@example.com', ['strapi-author'])),
      await loginAs(pg, await createAdminUser(pg, 'reader@example.com', [role.id])),
    ];
    const calls = emulator.requests.length;
    const logged = (await admin.get('/iflychat/moderation/log')).json.meta.pagination.total;
    for (const intruder of intruders) {
      for (const [method, path, body] of ROUTES) {
        const answer = await (method === 'get' ? intruder.get(path) : intruder.post(path, body));
        expect([path, answer.status]).toEqual([path, 403]);
      }
    }
    expect(emulator.requests.length).toBe(calls);
    expect((await admin.get('/iflychat/moderation/log')).json.meta.pagination.total).toBe(logged);
  });
});

describe('bad input answers 400 naming the field', () => {
  it.each([
    ['get', '/iflychat/moderation/room-users?roomId=abc', undefined, 'roomId'],
    ['get', '/iflychat/moderation/room-users', undefined, 'roomId'],
    ['post', '/iflychat/moderation/kick', { userId: '../../rooms/list' }, 'userId'],
    ['post', '/iflychat/moderation/kick', { userId: 'x'.repeat(256) }, 'userId'],
    ['post', '/iflychat/moderation/ban', {}, 'userId'],
    ['post', '/iflychat/moderation/ban', { userId: 'strapi-1', accountId: 1 }, 'userId'],
    ['post', '/iflychat/moderation/ban', { accountId: 'one' }, 'accountId'],
    ['post', '/iflychat/moderation/ban', { userId: 'strapi-1', banIp: 'yes' }, 'banIp'],
    ['post', '/iflychat/moderation/unban', { userId: 5 }, 'userId'],
    ['post', '/iflychat/moderation/ip-unban', { ip: '300.1.1.1' }, 'ip'],
    ['post', '/iflychat/moderation/ip-unban', { ip: '10.0.0.1/unban-all' }, 'ip'],
    ['get', '/iflychat/moderation/history?roomId=1&from=yesterday', undefined, 'from'],
    ['get', '/iflychat/moderation/history?roomId=1&from=2026-02-01&to=2026-01-01', undefined, 'to'],
    ['get', '/iflychat/moderation/history?roomId=1&limit=0', undefined, 'limit'],
    ['get', '/iflychat/moderation/history?roomId=1&limit=10001', undefined, 'limit'],
    ['get', '/iflychat/moderation/transcript?roomId=1&format=xml', undefined, 'format'],
    ['post', '/iflychat/moderation/clear', { roomId: -3 }, 'roomId'],
    ['get', '/iflychat/moderation/log?pageSize=1000', undefined, 'pageSize'],
  ] as const)('%s %s', async (method, path, body, field) => {
    const calls = emulator.requests.length;
    const answer = await (method === 'get' ? admin.get(path) : admin.post(path, body));
    expect(answer.status).toBe(400);
    expect(fieldError(answer)).toContain(field);
    expect(emulator.requests.length).toBe(calls);
  });

  it('banning an account that does not exist answers 404 and calls nothing', async () => {
    const calls = emulator.requests.length;
    const answer = await admin.post('/iflychat/moderation/ban', { accountId: 999_999 });
    expect(answer.status).toBe(404);
    expect(emulator.requests.length).toBe(calls);
  });
});

describe('hostile answers give the plugin’s words, never iFlyChat’s body', () => {
  it.each([
    [
      'an error page',
      { kind: 'status' as const, status: 500, body: REMOTE_SECRET },
      'iFlyChat answered with an error (HTTP 500)',
    ],
    ['a refused key', { kind: 'status' as const, status: 403 }, 'iFlyChat refused the API key'],
    [
      'a malformed answer',
      { kind: 'json' as const, json: { users: REMOTE_SECRET } },
      'iFlyChat sent an answer the plugin cannot read',
    ],
    [
      'a huge answer',
      { kind: 'huge' as const, bytes: 64 * 1024 * 1024 },
      'iFlyChat sent an answer the plugin cannot read',
    ],
    ['no answer', { kind: 'hang' as const }, 'iFlyChat did not answer in time'],
  ])('%s', async (_name, fault, words) => {
    emulator.configure({ faults: [{ ...fault, path: '/users' }] });
    const started = Date.now();
    const answer = await admin.get(`/iflychat/moderation/room-users?roomId=${roomId}`);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(answer.status).toBe(502);
    expect(answer.json.error.message).toBe(`cannot list who is in the room: ${words}`);
    expect(answer.text).not.toContain(REMOTE_SECRET);
    expect(pg.logs.join('\n')).not.toContain(REMOTE_SECRET);
    expect(pg.logs.join('\n')).not.toContain(emulator.apiKey);
  });
});

describe('the moderation log', () => {
  it('records who did what to whom, when, and how it ended — failures included', async () => {
    emulator.configure({ faults: [{ kind: 'status', status: 503, path: '/kick', times: 1 }] });
    const failed = await admin.post('/iflychat/moderation/kick', { userId: 'strapi-77' });
    expect(failed.status).toBe(502);
    const log = await admin.get('/iflychat/moderation/log?pageSize=100');
    expect(log.status).toBe(200);
    const rows = log.json.data as Array<Record<string, unknown>>;
    expect(rows[0]).toEqual({
      id: expect.any(Number),
      action: 'kick',
      target: 'strapi-77',
      roomId: null,
      adminId: expect.any(Number),
      adminName: 'Ada Admin',
      result: 'failed',
      reason: 'cannot kick the user: iFlyChat answered with an error (HTTP 503)',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const actions = rows.map((row) => `${String(row.action)} ${String(row.result)}`);
    for (const done of [
      'kick done',
      'ban done',
      'ban-ip done',
      'unban done',
      'ip-unban done',
      'clear-history done',
      'export-transcript done',
    ]) {
      expect(actions).toContain(done);
    }
    const exported = rows.filter((row) => row.action === 'export-transcript');
    expect(exported.map((row) => row.reason)).toEqual([
      'json, start to now, 3 messages',
      'csv, 2026-01-10T00:00:00.000Z to now, 2 messages',
    ]);

    const paged = await admin.get('/iflychat/moderation/log?page=2&pageSize=2');
    expect(paged.json.data).toEqual(rows.slice(2, 4));
    expect(paged.json.meta.pagination).toMatchObject({ page: 2, pageSize: 2, total: rows.length });
  });

  it('is hidden from the Content Manager', async () => {
    const types = await admin.get('/content-manager/content-types');
    const log = (types.json.data as Array<{ uid: string; isDisplayed: boolean }>).find(
      (type) => type.uid === 'plugin::iflychat.moderation-log'
    );
    expect(log?.isDisplayed).toBe(false);
  });
});

describe('banBlockedUsers: blocking a site user bans them in iFlyChat', () => {
  const setBlocked = (documentId: string, blocked: boolean) =>
    admin.put(`/content-manager/collection-types/${USER_UID}/${documentId}`, { blocked });

  it('block → ban, unblock → unban, each in the log', async () => {
    const bob = await addSiteUser(pg.strapi, 'bob', 'authenticated', 'Bob-Pass-1');
    const bobChatId = `strapi-${bob.id}`;
    expect((await setBlocked(bob.documentId, true)).status).toBe(200);
    await waitFor(() => emulator.moderation.banned.includes(bobChatId), 15_000);
    expect(bodyOf('/ban').path).toBe(`/api/1.1/user/${bobChatId}/ban`);

    expect((await setBlocked(bob.documentId, false)).status).toBe(200);
    await waitFor(() => !emulator.moderation.banned.includes(bobChatId), 15_000);
    const log = await waitFor(async () => {
      const rows = (await admin.get('/iflychat/moderation/log?pageSize=100')).json.data as Array<{
        action: string;
        target: string;
        adminId: number | null;
        adminName: string;
      }>;
      const mine = rows.filter((row) => row.target === bobChatId);
      return mine.length >= 2 ? mine : null;
    }, 15_000);
    expect(log.map((row) => [row.action, row.adminId, row.adminName])).toEqual([
      ['unban', null, 'Users & Permissions: user unblocked'],
      ['ban', null, 'Users & Permissions: user blocked'],
    ]);
  });

  it('a failing or hanging iFlyChat neither holds nor breaks saving the user', async () => {
    const carol = await addSiteUser(pg.strapi, 'carol', 'authenticated', 'Carol-Pass-1');
    const carolChatId = `strapi-${carol.id}`;
    const release = emulator.hold('/ban');
    try {
      const saved = await setBlocked(carol.documentId, true);
      expect(saved.status).toBe(200);
      const stored = await pg.strapi.db.query(USER_UID).findOne({ where: { id: carol.id } });
      expect(stored.blocked).toBe(true);
      // The ban is in flight, held by iFlyChat, while the save has already answered.
      await waitFor(() => emulator.requestsTo(`/user/${carolChatId}/ban`).length === 1, 15_000);
    } finally {
      release();
    }
    await waitFor(() => emulator.moderation.banned.includes(carolChatId), 15_000);

    emulator.configure({
      faults: [{ kind: 'status', status: 500, body: REMOTE_SECRET, path: '/unban' }],
    });
    expect((await setBlocked(carol.documentId, false)).status).toBe(200);
    const failed = await waitFor(async () => {
      const rows = (await admin.get('/iflychat/moderation/log?pageSize=100')).json.data as Array<{
        action: string;
        target: string;
        result: string;
        reason: string;
      }>;
      return rows.find((row) => row.target === carolChatId && row.action === 'unban') ?? null;
    }, 15_000);
    expect(failed).toMatchObject({
      result: 'failed',
      reason: 'cannot unban the user: iFlyChat answered with an error (HTTP 500)',
    });
    await waitFor(() =>
      pg.logs.some((line) =>
        line.includes(`could not unban site user ${carol.id} in iFlyChat after unblocking`)
      )
    );
    expect(pg.logs.join('\n')).not.toContain(REMOTE_SECRET);
  });
});
