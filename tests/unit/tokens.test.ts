/** Chat tokens: parameters from the role maps, the answer, the cache, the per-user limit, the calls. */
import { createEmulator, type Emulator } from '../emulator/server';
import { pluginConfigSchema } from '../../contracts/config';
import { widgetScriptUrl } from '../../contracts/users';
import { createIflychatClient } from '../../server/src/iflychat/client';
import { IflychatApiError } from '../../server/src/iflychat/errors';
import { deleteToken, generateToken, parseTokenAnswer } from '../../server/src/iflychat/tokens';
import { createTokenCache, REUSE_MARGIN_MS } from '../../server/src/tokens/cache';
import {
  chatRole,
  renderUserUrl,
  tokenParams,
  userRoles,
  type TokenSettings,
} from '../../server/src/tokens/params';
import { createUserRateLimit } from '../../server/src/tokens/rate-limit';

const settings: TokenSettings = {
  roleMap: { public: '1', authenticated: '2', members: '7' },
  chatRoleMap: { members: 'moderator' },
  userIdPrefix: 'strapi-',
  userNameAttribute: 'username',
  userAvatarUrl: 'https://cdn.example.com/avatars/{id}.png',
  userProfileUrl: 'https://example.com/people/{username}?doc={documentId}',
};

const ada = {
  id: 12,
  documentId: 'doc12',
  username: 'ada lovelace',
  email: 'ada@example.com',
  role: { id: 1, type: 'authenticated', name: 'Authenticated' },
};

describe('token parameters', () => {
  it('come from the role map (user_roles) and the chat-role map (chat_role)', () => {
    expect(tokenParams(ada, settings, 'app-1')).toEqual({
      appId: 'app-1',
      userId: 'strapi-12',
      userName: 'ada lovelace',
      chatRole: 'participant',
      userRoles: { '2': 'Authenticated' },
      avatarUrl: 'https://cdn.example.com/avatars/12.png',
      profileUrl: 'https://example.com/people/ada%20lovelace?doc=doc12',
    });
    const member = { ...ada, role: { id: 3, type: 'members', name: 'Members' } };
    expect(tokenParams(member, settings, 'app-1')).toMatchObject({
      chatRole: 'moderator',
      userRoles: { '7': 'Members' },
    });
  });

  it('an unmapped role gets no role and stays a participant, never everyone or admin', () => {
    for (const type of ['editors', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const role = { id: 9, type, name: 'X' };
      expect([type, userRoles(settings.roleMap, role)]).toEqual([type, {}]);
      expect([type, chatRole(settings.chatRoleMap, role)]).toEqual([type, 'participant']);
    }
    expect(userRoles(settings.roleMap, null)).toEqual({});
    expect(userRoles(settings.roleMap, undefined)).toEqual({});
    // A role mapped to "all users" (0) or to a malformed id does not become a user role.
    expect(userRoles({ authenticated: '0' }, ada.role)).toEqual({});
    expect(userRoles({ authenticated: 'a b' }, ada.role)).toEqual({});
  });

  it('every role id the role map accepts for rooms is a user role too (dots included)', () => {
    expect(userRoles({ authenticated: 'members.gold' }, ada.role)).toEqual({
      'members.gold': 'Authenticated',
    });
    expect(userRoles({ authenticated: 'team_2-b' }, ada.role)).toEqual({
      'team_2-b': 'Authenticated',
    });
  });

  it('admin and moderator only where mapped explicitly', () => {
    expect(chatRole({}, ada.role)).toBe('participant');
    expect(chatRole({ authenticated: 'admin' }, ada.role)).toBe('admin');
    expect(chatRole({ authenticated: 'viewer' }, ada.role)).toBe('viewer');
  });

  it('the name comes from the configured attribute, or the username when it is empty', () => {
    expect(tokenParams(ada, { ...settings, userNameAttribute: 'email' }, 'a').userName).toBe(
      'ada@example.com'
    );
    expect(tokenParams(ada, { ...settings, userNameAttribute: 'nickname' }, 'a').userName).toBe(
      'ada lovelace'
    );
  });

  it('URL templates encode what they insert', () => {
    expect(renderUserUrl('https://x.test/{username}/{id}', { id: 1, username: 'a/b?c' })).toBe(
      'https://x.test/a%2Fb%3Fc/1'
    );
  });

  it('the configuration rejects unknown placeholders, secret attributes and bad chat roles', () => {
    const bad = pluginConfigSchema.safeParse({
      chatRoleMap: { authenticated: 'owner', __proto__x: 'admin' },
      userNameAttribute: 'password',
      userAvatarUrl: 'https://x.test/{email}',
      userProfileUrl: 'javascript:alert(1)',
      userIdPrefix: 'a b',
      tokenRequestsPerMinute: 0,
      scriptUrl: 'cdn.example.com/x.js',
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths).toEqual([
      'chatRoleMap.__proto__x',
      'chatRoleMap.authenticated',
      'scriptUrl',
      'tokenRequestsPerMinute',
      'userAvatarUrl',
      'userIdPrefix',
      'userNameAttribute',
      'userProfileUrl',
    ]);
    const good = pluginConfigSchema.parse({});
    expect(good).toMatchObject({
      chatRoleMap: {},
      userIdPrefix: 'strapi-',
      userNameAttribute: 'username',
      tokenRequestsPerMinute: 10,
      scriptUrl: 'https://cdn.iflychat.com/js/iflychat-v2.min.js',
    });
    expect(widgetScriptUrl(good.scriptUrl, 'a b')).toBe(
      'https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=a%20b'
    );
  });
});

describe('the token answer', () => {
  it('accepts "expires_in" and iFlyChat\'s "expires_in " (with a space), as a string or a number', () => {
    expect(parseTokenAnswer({ key: 'k1', expires_in: '67770' })).toEqual({
      token: 'k1',
      expiresInSeconds: 67770,
    });
    expect(parseTokenAnswer({ key: 'k2', 'expires_in ': '60' })).toEqual({
      token: 'k2',
      expiresInSeconds: 60,
    });
    expect(parseTokenAnswer({ key: 'k3', expires_in: 5 }).expiresInSeconds).toBe(5);
  });

  it.each([
    [null],
    [[]],
    [{ expires_in: '60' }],
    [{ key: '', expires_in: '60' }],
    [{ key: 'has space', expires_in: '60' }],
    [{ key: 7, expires_in: '60' }],
    [{ key: 'k' }],
    [{ key: 'k', expires_in: 'soon' }],
    [{ key: 'k', expires_in: '0' }],
    [{ key: 'k', expires_in: -5 }],
  ])('%j is a typed invalid answer', (answer) => {
    let error: unknown;
    try {
      parseTokenAnswer(answer);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IflychatApiError);
    expect((error as IflychatApiError).invalidAnswer).toBe(true);
    expect((error as IflychatApiError).message).toMatch(/token\/generate without/);
  });
});

describe('the token cache', () => {
  it('reuses a token until a minute before it expires, for the same request only', () => {
    let now = 1_000_000;
    const cache = createTokenCache({ maxEntries: 10, now: () => now });
    cache.set('1', { signature: 'a', token: 't1', expiresAt: now + 10 * 60_000, grantId: 1 });
    expect(cache.get('1', 'a')?.token).toBe('t1');
    expect(cache.get('1', 'b')).toBeUndefined(); // a changed role or name
    now += 10 * 60_000 - REUSE_MARGIN_MS - 1;
    expect(cache.get('1', 'a')?.token).toBe('t1');
    now += 1;
    expect(cache.get('1', 'a')).toBeUndefined();
  });

  it('is bounded, least recently used out, and reports the token it replaces', () => {
    const cache = createTokenCache({ maxEntries: 3 });
    const entry = (token: string) => ({
      signature: 's',
      token,
      expiresAt: Date.now() + 3_600_000,
      grantId: 1,
    });
    cache.set('1', entry('t1'));
    cache.set('2', entry('t2'));
    cache.set('3', entry('t3'));
    expect(cache.get('1', 's')?.token).toBe('t1'); // 1 is now the most recent
    cache.set('4', entry('t4'));
    expect(cache.size).toBe(3);
    expect(cache.get('2', 's')).toBeUndefined();
    expect(cache.get('1', 's')?.token).toBe('t1');
    expect(cache.set('1', entry('t1b'))?.token).toBe('t1');
    expect(cache.drop('1')?.token).toBe('t1b');
    expect(cache.get('1', 's')).toBeUndefined();
  });
});

describe('the per-user limit', () => {
  it('allows perMinute requests, then answers how long to wait, per user', () => {
    let now = 0;
    const limit = createUserRateLimit({ perMinute: () => 3, now: () => now });
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, true]);
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(limit.take('b').allowed).toBe(true);
    now += 20_000;
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
  });

  it('keeps at most maxEntries users', () => {
    let now = 0;
    const limit = createUserRateLimit({ perMinute: () => 1, maxEntries: 2, now: () => now });
    limit.take('a');
    limit.take('b');
    now += 1;
    limit.take('c'); // a and b are still within their minute: the oldest goes
    expect(limit.take('c').allowed).toBe(false);
    expect(limit.take('a').allowed).toBe(true);
  });
});

describe('token calls over HTTP', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await createEmulator({ apiKey: 'token-test-key-9876' }).start();
  });
  afterEach(() => emulator.reset());
  afterAll(async () => emulator.stop());

  const params = tokenParams(ada, settings, 'app-1');
  const client = (apiVersion: '1.1' | '1.0') =>
    createIflychatClient({
      apiKey: emulator.apiKey,
      apiVersion,
      baseUrl: emulator.url,
      timeoutMs: 500,
    });

  it('API 1.1 posts JSON to /api/1.1/token/generate', async () => {
    const issued = await generateToken(client('1.1'), params);
    const [request] = emulator.requestsTo('token/generate');
    expect(request.path).toBe('/api/1.1/token/generate');
    expect(request.contentType).toContain('application/json');
    expect(request.body).toEqual({
      api_key: emulator.apiKey,
      app_id: 'app-1',
      user_id: 'strapi-12',
      user_name: 'ada lovelace',
      chat_role: 'participant',
      user_roles: { '2': 'Authenticated' },
      user_avatar_url: 'https://cdn.example.com/avatars/12.png',
      user_profile_url: 'https://example.com/people/ada%20lovelace?doc=doc12',
    });
    expect(issued.expiresInSeconds).toBe(3600);
    expect(emulator.tokens.map((token) => token.key)).toEqual([issued.token]);
  });

  it('API 1.0 posts a form to the 1.1 path, user_roles nested as the older integrations do', async () => {
    emulator.configure({ tokens: { spacedExpiresKey: true, expiresIn: 120 } });
    const issued = await generateToken(client('1.0'), params);
    const [request] = emulator.requestsTo('token/generate');
    expect(request.path).toBe('/api/1.1/token/generate');
    expect(request.contentType).toContain('application/x-www-form-urlencoded');
    expect(request.body['user_roles[2]']).toBe('Authenticated');
    expect(emulator.tokens[0].user_roles).toEqual({ '2': 'Authenticated' });
    expect(issued.expiresInSeconds).toBe(120);
  });

  it('deletes a token, and a refused call is a typed error without the API key', async () => {
    const issued = await generateToken(client('1.1'), params);
    await deleteToken(client('1.1'), issued.token);
    expect(emulator.tokens).toEqual([]);
    expect(emulator.requestsTo('/delete')[0].path).toBe(`/api/1.1/token/${issued.token}/delete`);
    const wrongKey = createIflychatClient({
      apiKey: 'wrong-key-000000',
      apiVersion: '1.1',
      baseUrl: emulator.url,
      timeoutMs: 500,
    });
    const error = await generateToken(wrongKey, params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IflychatApiError);
    expect((error as IflychatApiError).status).toBe(403);
    expect(String((error as Error).message)).not.toContain('wrong-key-000000');
  });
});
