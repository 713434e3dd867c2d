/**
 * `POST /api/iflychat/token` and `GET /api/iflychat/config` on a real Strapi, with site users
 * signing in through Users & Permissions and the emulator receiving the token calls over HTTP.
 */

import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  httpClient,
  playgroundConfig,
  restClient,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';
import {
  addSiteUser,
  createRole,
  enableTokenRoute,
  signInOverHttp,
  TOKEN_ACTION,
} from '../helpers/site-users';

const API_KEY = 'token-route-key-51f0c2';
const APP_ID = 'app-4f9e21';
const PASSWORD = 'Site-User-Pass-1';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
const seen: string[] = [];

const createUser = (username: string, roleType: string) =>
  addSiteUser(pg.strapi, username, roleType, PASSWORD);
const signIn = (username: string) => signInOverHttp(pg.url, username, PASSWORD);

async function askToken(jwt?: string) {
  const response = await fetch(`${pg.url}/api/iflychat/token`, {
    method: 'POST',
    headers: jwt ? { Authorization: `Bearer ${jwt}` } : {},
  });
  const text = await response.text();
  seen.push(text);
  return {
    status: response.status,
    json: text ? JSON.parse(text) : undefined,
    retryAfter: response.headers.get('retry-after'),
    cacheControl: response.headers.get('cache-control'),
  };
}

const generateCalls = () => emulator.requestsTo('token/generate');

/** What the settings page sends back of what it read: everything but secrets and read-only fields. */
function editableValues(view: Record<string, unknown>): Record<string, any> {
  const {
    apiKey: _k,
    appId: _a,
    appIdValue: _v,
    locked: _l,
    encryptedAtRest: _e,
    ...values
  } = view;
  return values;
}

/** The user's rows in the token-grant table. */
async function grantRows(userId: number) {
  return (await pg.strapi.db
    .connection('iflychat_token_grants')
    .where({ user_id: userId })
    .orderBy('id')) as Array<Record<string, unknown> & { id: number }>;
}

beforeAll(async () => {
  emulator = await createEmulator({ apiKey: API_KEY }).start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      timeoutMs: 1_000,
      roleMap: { public: '1', authenticated: '2', members: '7' },
      chatRoleMap: { members: 'moderator' },
      userAvatarUrl: 'https://example.com/avatars/{id}.png',
      tokenRequestsPerMinute: 4,
    }),
    listen: true,
  });
  const strapi = pg.strapi;
  // Users & Permissions allows five sign-ins per address and interval; this file signs in more.
  strapi.config.set('plugin::users-permissions.ratelimit', { enabled: false });
  await enableTokenRoute(strapi, await roleId(strapi, 'authenticated'));
  await enableTokenRoute(strapi, await createRole(strapi, 'Members', 'members'));
  await enableTokenRoute(strapi, await createRole(strapi, 'Editors', 'editors'));
  await createRole(strapi, 'Readers', 'readers'); // without the action
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
  for (const body of seen) expect(body).not.toContain(API_KEY);
});

describe('before an app id is set', () => {
  it('answers 503 naming what is missing, for the token and the public config', async () => {
    await createUser('early', 'authenticated');
    const response = await askToken(await signIn('early'));
    expect(response.status).toBe(503);
    expect(response.json.error.message).toMatch(/no iFlyChat app id is configured/);
    expect(response.json.error.message).not.toMatch(/API key/);
    const config = await fetch(`${pg.url}/api/iflychat/config`);
    expect(config.status).toBe(503);
    expect(generateCalls()).toHaveLength(0);
  });

  it('saving the app id on the settings page makes tokens available, and shows it in clear', async () => {
    admin = await adminSession(pg);
    const { data: view } = (await admin.get('/iflychat/settings')).json;
    expect(view.appIdValue).toBeNull();
    const values = editableValues(view);
    for (const [userNameAttribute, message] of [
      ['password', 'must not be a secret attribute of the user'],
      ['nickname', 'the user has no attribute "nickname"'],
      ['blocked', '"blocked" is not a public text attribute of the user'],
    ]) {
      const refused = await admin.put('/iflychat/settings', { ...values, userNameAttribute });
      expect(refused.status).toBe(400);
      expect(refused.json.error.details.errors).toEqual([
        expect.objectContaining({ path: ['userNameAttribute'], message }),
      ]);
    }
    // The settings page says for which roles the route is enabled.
    const roles = (await admin.get('/iflychat/roles')).json.data as Array<{
      type: string;
      tokenRoute: boolean;
    }>;
    expect(Object.fromEntries(roles.map((role) => [role.type, role.tokenRoute]))).toEqual({
      public: false,
      authenticated: true,
      members: true,
      editors: true,
      readers: false,
    });
    const saved = await admin.put('/iflychat/settings', { ...values, appId: APP_ID });
    expect(saved.status).toBe(200);
    expect(saved.json.data.appIdValue).toBe(APP_ID);
    expect(saved.json.data.chatRoleMap).toEqual({ members: 'moderator' });
  });
});

describe('tokens for signed-in users', () => {
  it('a user of Authenticated gets a token for role 2, as a participant', async () => {
    const user = await createUser('alice', 'authenticated');
    const response = await askToken(await signIn('alice'));
    expect(response.status).toBe(200);
    expect(response.cacheControl).toBe('no-store');
    const calls = generateCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe('/api/1.1/token/generate');
    expect(calls[0].body).toEqual({
      api_key: API_KEY,
      app_id: APP_ID,
      user_id: `strapi-${user.id}`,
      user_name: 'alice',
      chat_role: 'participant',
      user_roles: { '2': 'Authenticated' },
      user_avatar_url: `https://example.com/avatars/${user.id}.png`,
    });
    const issued = emulator.tokens.find((token) => token.user_id === `strapi-${user.id}`)!;
    expect(response.json).toEqual({
      data: {
        token: issued.key,
        expiresAt: expect.any(String),
        appId: APP_ID,
        userId: `strapi-${user.id}`,
        scriptUrl: `https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=${APP_ID}`,
      },
    });
    const expiresIn = Date.parse(response.json.data.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_600_000);
  });

  it('a second request within the expiry makes no second call', async () => {
    const jwt = await signIn('alice');
    const before = generateCalls().length;
    const first = await askToken(jwt);
    const second = await askToken(jwt);
    expect(second.json.data.token).toBe(first.json.data.token);
    expect(generateCalls().length).toBe(before);
  });

  it('a user of a custom role gets its mapped role and chat role', async () => {
    const user = await createUser('mia', 'members');
    expect((await askToken(await signIn('mia'))).status).toBe(200);
    expect(generateCalls().at(-1)!.body).toMatchObject({
      user_id: `strapi-${user.id}`,
      chat_role: 'moderator',
      user_roles: { '7': 'Members' },
    });
  });

  it('a user of an unmapped role gets no role at all', async () => {
    await createUser('eve', 'editors');
    expect((await askToken(await signIn('eve'))).status).toBe(200);
    const body = generateCalls().at(-1)!.body;
    expect(body.chat_role).toBe('participant');
    expect(body.user_roles).toEqual({});
  });

  it('a changed role gets a new token, and the old one is deleted in iFlyChat', async () => {
    const user = await createUser('rolf', 'authenticated');
    const jwt = await signIn('rolf');
    const old = (await askToken(jwt)).json.data.token as string;
    await pg.strapi
      .plugin('users-permissions')
      .service('user')
      .edit(user.id, {
        role: await roleId(pg.strapi, 'members'),
      });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    expect(emulator.requestsTo(`/token/${old}/delete`)).toHaveLength(1);
    const fresh = await askToken(jwt);
    expect(fresh.json.data.token).not.toBe(old);
    expect(generateCalls().at(-1)!.body.user_roles).toEqual({ '7': 'Members' });
  });
});

describe('refusals', () => {
  it('401 without a session, with a bad JWT or with an API token', async () => {
    expect((await askToken()).status).toBe(401);
    expect((await askToken('not-a-jwt')).status).toBe(401);
    const token = (await pg.strapi.service('admin::api-token').create({
      name: 'full',
      type: 'full-access',
      lifespan: null,
      kind: 'content-api',
    })) as { accessKey: string };
    expect((await askToken(token.accessKey)).status).toBe(401);
    // A full-access API token still reaches the rest of the content API.
    expect((await (await restClient(pg)).get('/api/communities')).status).toBe(200);
  });

  it('the route is a Users & Permissions action, off until a role gets it', () => {
    const actions = pg.strapi.plugin('users-permissions').service('users-permissions').getActions();
    expect(actions['plugin::iflychat'].controllers.token.generate).toEqual({
      enabled: false,
      policy: '',
    });
  });

  it('403 for a role whose route is not enabled', async () => {
    await createUser('rita', 'readers');
    expect((await askToken(await signIn('rita'))).status).toBe(403);
  });

  it('429 with Retry-After past tokenRequestsPerMinute calls to iFlyChat', async () => {
    await createUser('greedy', 'authenticated');
    const jwt = await signIn('greedy');
    // Only calls count (tests/integration/identity.test.ts: cached answers are free): each of
    // these fails in iFlyChat, so each is a call.
    emulator.configure({
      faults: [{ kind: 'status', status: 503, path: 'token/generate', times: 4 }],
    });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await askToken(jwt)).status);
    expect(statuses).toEqual([503, 503, 503, 503, 429]);
    const limited = await askToken(jwt);
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(15);
  });

  it('the limit holds across revocations: a re-roled or signed-out user gets no calls back', async () => {
    const user = await createUser('looper', 'authenticated');
    const jwt = await signIn('looper');
    emulator.configure({
      faults: [{ kind: 'status', status: 503, path: 'token/generate', times: 4 }],
    });
    for (let i = 0; i < 4; i += 1) expect((await askToken(jwt)).status).toBe(503);
    // Each of these revokes the user's tokens; neither gives them fresh calls to iFlyChat.
    await pg.strapi
      .plugin('users-permissions')
      .service('user')
      .edit(user.id, { role: await roleId(pg.strapi, 'members') });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    expect((await askToken(jwt)).status).toBe(429);
    const signedOut = await fetch(`${pg.url}/api/iflychat/token`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${jwt}` },
    });
    expect(signedOut.status).toBe(204);
    expect((await askToken(jwt)).status).toBe(429);
  });

  it('502 with a readable message when iFlyChat refuses', async () => {
    await createUser('refused', 'authenticated');
    emulator.configure({
      faults: [
        { kind: 'status', status: 400, path: 'token/generate', body: `bad ${API_KEY}`, times: 1 },
      ],
    });
    const response = await askToken(await signIn('refused'));
    expect(response.status).toBe(502);
    expect(response.json.error.message).toBe('iFlyChat refused to issue a chat token');
  });

  it('503 with Retry-After when iFlyChat fails or times out', async () => {
    await createUser('unlucky', 'authenticated');
    const jwt = await signIn('unlucky');
    emulator.configure({
      faults: [{ kind: 'status', status: 500, path: 'token/generate', retryAfter: 7, times: 1 }],
    });
    const failed = await askToken(jwt);
    expect([failed.status, failed.retryAfter]).toEqual([503, '7']);
    emulator.configure({ faults: [{ kind: 'hang', path: 'token/generate', times: 1 }] });
    const timedOut = await askToken(jwt);
    expect([timedOut.status, timedOut.retryAfter]).toEqual([503, '30']);
    expect(timedOut.json.error.message).toMatch(/not available/);
    // And it recovers.
    expect((await askToken(jwt)).status).toBe(200);
  });
});

describe('blocked and deleted users', () => {
  it('blocking a user drops the token and deletes it in iFlyChat; the user gets 401', async () => {
    const user = await createUser('bob', 'authenticated');
    const jwt = await signIn('bob');
    const token = (await askToken(jwt)).json.data.token as string;
    await pg.strapi.plugin('users-permissions').service('user').edit(user.id, { blocked: true });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    expect(emulator.requestsTo(`/token/${token}/delete`)).toHaveLength(1);
    expect(emulator.tokens.some((issued) => issued.key === token)).toBe(false);
    expect((await askToken(jwt)).status).toBe(401);
  });

  it('deleting a user deletes the token; a failing delete is logged, never thrown', async () => {
    const user = await createUser('carl', 'authenticated');
    const token = (await askToken(await signIn('carl'))).json.data.token as string;
    await pg.strapi.db.query('plugin::users-permissions.user').delete({ where: { id: user.id } });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    expect(emulator.requestsTo(`/token/${token}/delete`)).toHaveLength(1);

    const dora = await createUser('dora', 'authenticated');
    const doraToken = (await askToken(await signIn('dora'))).json.data.token as string;
    emulator.configure({ faults: [{ kind: 'status', status: 500, path: '/delete', times: 1 }] });
    await pg.strapi.plugin('users-permissions').service('user').edit(dora.id, { blocked: true });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    const line = await waitFor(() =>
      pg.logs.find((entry) => entry.includes('could not delete the chat token of user'))
    );
    expect(line).toContain('[token]');
    expect(line).not.toContain(doraToken);
    // The failed delete is retried until iFlyChat has forgotten the token.
    await waitFor(() => !emulator.tokens.some((issued) => issued.key === doraToken));
    await waitFor(async () => (await grantRows(dora.id)).length === 0);
  });
});

describe('revocation', () => {
  it('records each token encrypted; a revoked row is never handed out again', async () => {
    const user = await createUser('gina', 'authenticated');
    const jwt = await signIn('gina');
    const token = (await askToken(jwt)).json.data.token as string;
    const [row] = await grantRows(user.id);
    expect(row.token_hash).toHaveLength(64);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.sealed_token).toMatch(/^v2:/);
    // Revoked by another instance, straight in the table: this instance's cache does not serve it.
    await pg.strapi.db
      .connection('iflychat_token_grants')
      .where({ id: row.id })
      .update({ revoked_at_ms: Date.now(), revoke_reason: 'test', due_at_ms: 0, attempts: 0 });
    const fresh = (await askToken(jwt)).json.data.token as string;
    expect(fresh).not.toBe(token);
    await waitFor(() => emulator.requestsTo(`/token/${token}/delete`).length === 1);
  });

  it("a revoked row held by a crashed instance is deleted once that instance's lease runs out", async () => {
    const user = await createUser('hank', 'authenticated');
    const token = (await askToken(await signIn('hank'))).json.data.token as string;
    const [row] = await grantRows(user.id);
    const now = Date.now();
    await pg.strapi.db
      .connection('iflychat_token_grants')
      .where({ id: row.id })
      .update({
        revoked_at_ms: now,
        revoke_reason: 'blocked',
        due_at_ms: now,
        claim_token: 'held-by-a-crashed-instance',
        lease_until_ms: now + 1_500,
      });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    expect(emulator.requestsTo(`/token/${token}/delete`)).toHaveLength(0);
    await waitFor(() => emulator.requestsTo(`/token/${token}/delete`).length === 1);
    await waitFor(async () => (await grantRows(user.id)).length === 0);
  });

  it('a token iFlyChat no longer knows (404) counts as deleted', async () => {
    const user = await createUser('ivy', 'authenticated');
    const token = (await askToken(await signIn('ivy'))).json.data.token as string;
    const forgotten = await fetch(`${emulator.url}/api/1.1/token/${token}/delete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: API_KEY }),
    });
    expect(forgotten.status).toBe(200);
    await pg.strapi.plugin('users-permissions').service('user').edit(user.id, { blocked: true });
    await pg.strapi.plugin('iflychat').service('tokens').idle();
    const calls = emulator.requestsTo(`/token/${token}/delete`);
    expect(calls.map((call) => call.outcome)).toEqual(['200', '404']);
    expect(await grantRows(user.id)).toEqual([]);
    expect(pg.logs.some((line) => line.includes(`chat token of user ${user.id}`))).toBe(false);
  });

  it('a block that lands while the token is being issued revokes it', async () => {
    const user = await createUser('rae', 'authenticated');
    const jwt = await signIn('rae');
    const before = generateCalls().length;
    const release = emulator.hold('token/generate');
    const pending = askToken(jwt);
    await waitFor(() => generateCalls().length > before);
    await pg.strapi.plugin('users-permissions').service('user').edit(user.id, { blocked: true });
    release();
    const answer = await pending;
    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.json)).not.toMatch(/"token"/);
    const issued = generateCalls().at(-1)!;
    expect(issued.body.user_id).toBe(`strapi-${user.id}`);
    await waitFor(() => !emulator.tokens.some((token) => token.user_id === `strapi-${user.id}`));
  });

  it('a new role map on the settings page revokes the tokens of the roles it changes', async () => {
    const editor = await createUser('edgar', 'editors');
    const edToken = (await askToken(await signIn('edgar'))).json.data.token as string;
    const alice = (await askToken(await signIn('alice'))).json.data.token as string;
    const { data: view } = (await admin.get('/iflychat/settings')).json;
    const values = editableValues(view);
    const saved = await admin.put('/iflychat/settings', {
      ...values,
      roleMap: { ...values.roleMap, editors: '9' },
    });
    expect(saved.status).toBe(200);
    await waitFor(() => emulator.requestsTo(`/token/${edToken}/delete`).length === 1);
    await waitFor(async () => (await grantRows(editor.id)).length === 0);
    // Authenticated's mapping did not change: its tokens hold.
    expect(emulator.tokens.some((token) => token.key === alice)).toBe(true);
    const next = await askToken(await signIn('edgar'));
    expect(next.json.data.token).not.toBe(edToken);
    expect(generateCalls().at(-1)!.body.user_roles).toEqual({ '9': 'Editors' });
  });

  it('switching the token route off for a role revokes its tokens', async () => {
    await createUser('nia', 'members');
    const token = (await askToken(await signIn('nia'))).json.data.token as string;
    await pg.strapi.db
      .query('plugin::users-permissions.permission')
      .delete({ where: { action: TOKEN_ACTION, role: await roleId(pg.strapi, 'members') } });
    await waitFor(() => emulator.requestsTo(`/token/${token}/delete`).length === 1);
    expect((await askToken(await signIn('nia'))).status).toBe(403);
    await enableTokenRoute(pg.strapi, await roleId(pg.strapi, 'members'));
  });
});

describe('revocation: what a settings change takes away, and where a token may go', () => {
  it('a user taken off chatAdminUsernames on the settings page loses the admin token', async () => {
    await createUser('gail', 'authenticated');
    const { data: view } = (await admin.get('/iflychat/settings')).json;
    const values = editableValues(view);
    expect(
      (await admin.put('/iflychat/settings', { ...values, chatAdminUsernames: ['gail'] })).status
    ).toBe(200);
    const adminToken = (await askToken(await signIn('gail'))).json.data.token as string;
    expect(generateCalls().at(-1)!.body.chat_role).toBe('admin');
    const { data: after } = (await admin.get('/iflychat/settings')).json;
    expect(
      (await admin.put('/iflychat/settings', { ...editableValues(after), chatAdminUsernames: [] }))
        .status
    ).toBe(200);
    await waitFor(() => emulator.requestsTo(`/token/${adminToken}/delete`).length === 1);
    const next = await askToken(await signIn('gail'));
    expect(next.json.data.token).not.toBe(adminToken);
    expect(generateCalls().at(-1)!.body.chat_role).toBe('participant');
  });

  it('a revoked token is sent to no base URL or key but the one it was issued through', async () => {
    const user = await createUser('hugo', 'authenticated');
    const token = (await askToken(await signIn('hugo'))).json.data.token as string;
    // Settings in force now point at another server (as an admin with settings.update could).
    const other = await createEmulator({ apiKey: 'other-server-key-1' }).start();
    const settings = pg.strapi
      .plugin('iflychat')
      .service<{ load(): void; get(): Promise<unknown> }>('settings');
    const restore = { baseUrl: emulator.url, apiKey: API_KEY };
    try {
      pg.strapi.config.set('plugin::iflychat.baseUrl', other.url);
      pg.strapi.config.set('plugin::iflychat.apiKey', 'other-server-key-1');
      settings.load();
      await settings.get();
      await pg.strapi.plugin('users-permissions').service('user').edit(user.id, { blocked: true });
      await waitFor(async () => {
        const [row] = await grantRows(user.id);
        return typeof row?.last_error === 'string' && row.last_error.includes('another iFlyChat');
      });
      expect(other.requests.some((call) => JSON.stringify(call).includes(token))).toBe(false);
      expect(emulator.requestsTo(`/token/${token}/delete`)).toHaveLength(0);
    } finally {
      pg.strapi.config.set('plugin::iflychat.baseUrl', restore.baseUrl);
      pg.strapi.config.set('plugin::iflychat.apiKey', restore.apiKey);
      settings.load();
      await settings.get();
      await other.stop();
    }
    // Back on the server it was issued through: deleted there.
    await waitFor(() => emulator.requestsTo(`/token/${token}/delete`).length === 1, 30_000);
  }, 45_000);
});

describe('DELETE /api/iflychat/token (sign-out)', () => {
  const signOut = (jwt?: string, query = '') =>
    fetch(`${pg.url}/api/iflychat/token${query}`, {
      method: 'DELETE',
      headers: {
        'Content-Type': 'application/json',
        ...(jwt ? { Authorization: `Bearer ${jwt}` } : {}),
      },
      body: JSON.stringify({ token: 'x', userId: 1 }),
    });

  it("deletes the caller's token in iFlyChat and only theirs; the next request gets a new one", async () => {
    await createUser('sol', 'authenticated');
    await createUser('tia', 'authenticated');
    const sol = await signIn('sol');
    const solToken = (await askToken(sol)).json.data.token as string;
    const tiaToken = (await askToken(await signIn('tia'))).json.data.token as string;
    // Naming another user's token changes nothing: the route only ever signs the caller out.
    const response = await signOut(sol, `?token=${encodeURIComponent(tiaToken)}`);
    expect(response.status).toBe(204);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await waitFor(() => emulator.requestsTo(`/token/${solToken}/delete`).length === 1);
    expect(emulator.tokens.some((token) => token.key === solToken)).toBe(false);
    expect(emulator.tokens.some((token) => token.key === tiaToken)).toBe(true);
    const next = (await askToken(sol)).json.data.token as string;
    expect(next).not.toBe(solToken);
    // Signing out twice is harmless.
    expect((await signOut(sol)).status).toBe(204);
  });

  it("answers without waiting for other users' revocations", async () => {
    const others: Array<{ id: number; token: string }> = [];
    for (let i = 0; i < 6; i += 1) {
      const user = await createUser(`queued${i}`, 'authenticated');
      const token = (await askToken(await signIn(`queued${i}`))).json.data.token as string;
      others.push({ id: user.id, token });
    }
    await createUser('uma', 'authenticated');
    const uma = await signIn('uma');
    const umaToken = (await askToken(uma)).json.data.token as string;
    // The others are blocked, and iFlyChat holds their deletes for longer than this test may
    // take (no timeout ends them): the worker's pass is stuck behind them.
    const settings = pg.strapi.plugin('iflychat').service<{ load(): void }>('settings');
    const lease: unknown = pg.strapi.config.get('plugin::iflychat.leaseSeconds');
    pg.strapi.config.set('plugin::iflychat.timeoutMs', 100_000);
    pg.strapi.config.set('plugin::iflychat.leaseSeconds', 300);
    settings.load();
    const releases = others.map(({ token }) => emulator.hold(`/token/${token}/delete`));
    const users = pg.strapi.plugin('users-permissions').service('user');
    try {
      for (const { id } of others) await users.edit(id, { blocked: true });
      const deleting = () =>
        others.filter(({ token }) => emulator.requestsTo(`/token/${token}/delete`).length > 0);
      await waitFor(() => deleting().length > 0);
      const response = await signOut(uma);
      expect(response.status).toBe(204);
      await waitFor(() => !emulator.tokens.some((token) => token.key === umaToken));
      expect(
        others.filter(({ token }) => emulator.tokens.some((issued) => issued.key === token))
      ).toHaveLength(others.length);
    } finally {
      for (const release of releases) release();
      pg.strapi.config.set('plugin::iflychat.timeoutMs', 1_000);
      pg.strapi.config.set('plugin::iflychat.leaseSeconds', lease);
      settings.load();
    }
    await waitFor(() =>
      others.every(({ token }) => !emulator.tokens.some((issued) => issued.key === token))
    );
  });

  it('401 for a guest or a bad JWT, 403 for a role without the token route', async () => {
    const tia = (await askToken(await signIn('tia'))).json.data.token as string;
    expect((await signOut()).status).toBe(401);
    expect((await signOut('not-a-jwt')).status).toBe(401);
    expect((await signOut(await signIn('rita'))).status).toBe(403);
    expect(emulator.tokens.some((token) => token.key === tia)).toBe(true);
  });
});

describe('GET /api/iflychat/config', () => {
  it('is public and answers the app id and the script, nothing else', async () => {
    const response = await httpClient(pg.url).get('/api/iflychat/config');
    seen.push(response.text);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      data: {
        appId: APP_ID,
        scriptUrl: `https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=${APP_ID}`,
      },
    });
  });
});
