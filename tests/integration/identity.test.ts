/**
 * Who a site user is in the chat, on a real Strapi with the emulator receiving `token/generate`:
 * the avatar from a media field of the user, Gravatar or a template, the profile URL, chat admins
 * and moderators by person with `user_site_roles`, the site's `tokenUser` function; the per-user
 * limit counting calls to iFlyChat only; the budget per second that chat tokens share with room
 * jobs; and what a guest (no sign-in) gets.
 */
import { createHash } from 'node:crypto';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  bootPlayground,
  COMMUNITY,
  httpClient,
  linkRows,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';
import { createRole, enableTokenRoute } from '../helpers/site-users';

const API_KEY = 'identity-key-7d21c9';
const APP_ID = 'app-identity-1';
const USER_UID = 'plugin::users-permissions.user';
const PER_SECOND = 10;

let emulator: Emulator;
let pg: Playground;
const answers: string[] = [];

/** A user and their JWT (created without a password: these users never sign in by form). */
async function createUser(username: string, extra: Record<string, unknown> = {}) {
  const user = (await pg.strapi.db.query(USER_UID).create({
    data: {
      username,
      email: `${username}@example.com`,
      provider: 'local',
      confirmed: true,
      blocked: false,
      role: await roleId(pg.strapi, 'authenticated'),
      ...extra,
    },
  })) as { id: number };
  const jwt = pg.strapi.plugin('users-permissions').service('jwt').issue({ id: user.id }) as string;
  return { id: user.id, jwt };
}

async function uploadedFile(name: string, url: string) {
  const file = (await pg.strapi.db.query('plugin::upload.file').create({
    data: {
      name,
      hash: name.replace(/\W/g, '_'),
      ext: '.png',
      mime: 'image/png',
      size: 1.2,
      url,
      provider: 'local',
    },
  })) as { id: number };
  return file.id;
}

async function askToken(jwt?: string) {
  const response = await fetch(`${pg.url}/api/iflychat/token`, {
    method: 'POST',
    headers: jwt ? { Authorization: `Bearer ${jwt}` } : {},
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

/** The last `token/generate` body the emulator received for `username`. */
function lastGenerate(username: string) {
  const calls = emulator
    .requestsTo('token/generate')
    .filter((call) => call.body.user_name === username || call.body.user_id === username);
  return calls.at(-1)?.body;
}

const generatesFor = (userId: number) =>
  emulator.requestsTo('token/generate').filter((call) => call.body.user_id === `strapi-${userId}`);

beforeAll(async () => {
  emulator = await createEmulator({
    apiKey: API_KEY,
    rooms: [
      { room_id: 5, room_name: 'Lobby', room_role: '0', room_private: '0', room_moderate: '0' },
      { room_id: 6, room_name: 'Members', room_role: '2', room_private: '0', room_moderate: '0' },
    ],
  }).start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      roleMap: { public: '1', authenticated: '2', members: '7' },
      userAvatarField: 'avatar',
      userAvatarGravatar: true,
      userProfileUrl: 'https://example.com/people/{username}',
      chatModeratorAttribute: 'chatModerator',
      chatAdminUsernames: ['grace'],
      tokenRequestsPerMinute: 3,
      maxRequestsPerSecond: PER_SECOND,
      // A token call waits for its slot at most this long (then 503 and Retry-After).
      timeoutMs: 10_000,
    }),
    listen: true,
  });
  await enableTokenRoute(pg.strapi, await roleId(pg.strapi, 'authenticated'));
  await createRole(pg.strapi, 'Members', 'members');
});

afterAll(async () => {
  pg?.strapi.config.set('plugin::iflychat.tokenUser', undefined);
  await pg?.close();
  await emulator?.stop();
  for (const text of answers) expect(text).not.toContain(API_KEY);
});

describe('identity in token/generate', () => {
  it('the avatar comes from the media field, with an absolute URL as it is', async () => {
    const ada = await createUser('ada', {
      avatar: await uploadedFile('ada.png', 'https://cdn.example.com/ada.png'),
    });
    expect((await askToken(ada.jwt)).status).toBe(200);
    expect(lastGenerate('ada')).toMatchObject({
      user_id: `strapi-${ada.id}`,
      user_name: 'ada',
      chat_role: 'participant',
      user_roles: { '2': 'Authenticated' },
      user_avatar_url: 'https://cdn.example.com/ada.png',
      user_profile_url: 'https://example.com/people/ada',
    });
    // A participant learns nothing of the site's other roles.
    expect(lastGenerate('ada')).not.toHaveProperty('user_site_roles');
  });

  it('a file path is joined to server.url; without an absolute server.url Gravatar stands in', async () => {
    const lin = await createUser('lin', {
      avatar: await uploadedFile('lin.png', '/uploads/lin.png'),
    });
    const previous = pg.strapi.config.get('server.url');
    try {
      pg.strapi.config.set('server.url', '');
      expect((await askToken(lin.jwt)).status).toBe(200);
      const hash = createHash('sha256').update('lin@example.com').digest('hex');
      expect(lastGenerate('lin')?.user_avatar_url).toBe(`https://gravatar.com/avatar/${hash}?d=mp`);
      pg.strapi.config.set('server.url', 'https://cms.example.com');
      expect((await askToken(lin.jwt)).status).toBe(200);
      expect(lastGenerate('lin')?.user_avatar_url).toBe('https://cms.example.com/uploads/lin.png');
    } finally {
      pg.strapi.config.set('server.url', previous);
    }
  });

  it('a moderator by attribute and an admin by username get user_site_roles, every mapped role', async () => {
    const mod = await createUser('mod', { chatModerator: true });
    const grace = await createUser('grace');
    expect((await askToken(mod.jwt)).status).toBe(200);
    expect((await askToken(grace.jwt)).status).toBe(200);
    const siteRoles = { '1': 'Public', '2': 'Authenticated', '7': 'Members' };
    expect(lastGenerate('mod')).toMatchObject({
      chat_role: 'moderator',
      user_roles: { '2': 'Authenticated' },
      user_site_roles: siteRoles,
    });
    expect(lastGenerate('grace')).toMatchObject({
      chat_role: 'admin',
      user_roles: { '2': 'Authenticated' },
      user_site_roles: siteRoles,
    });
  });
});

describe('tokenUser in config/plugins.ts', () => {
  afterEach(() => {
    pg.strapi.config.set('plugin::iflychat.tokenUser', undefined);
  });

  it("its answer is sent, a wider user_roles included: the site owner's decision", async () => {
    const user = await createUser('hooked');
    pg.strapi.config.set(
      'plugin::iflychat.tokenUser',
      (person: { username: string }, params: Record<string, unknown>) => ({
        ...params,
        user_name: `${person.username} (site)`,
        user_roles: { ...(params.user_roles as object), '7': 'Members' },
      })
    );
    expect((await askToken(user.jwt)).status).toBe(200);
    expect(lastGenerate('hooked (site)')).toMatchObject({
      user_name: 'hooked (site)',
      user_roles: { '2': 'Authenticated', '7': 'Members' },
      api_key: API_KEY,
      app_id: APP_ID,
    });
  });

  it('an answer that sets api_key or app_id, or a throw, sends the defaults and logs why, never a 500', async () => {
    const user = await createUser('sneaky');
    pg.strapi.config.set(
      'plugin::iflychat.tokenUser',
      (_person: unknown, params: Record<string, unknown>) => ({
        ...params,
        api_key: 'attacker-key',
        app_id: 'other-app',
      })
    );
    const answer = await askToken(user.jwt);
    expect(answer.status).toBe(200);
    expect(lastGenerate('sneaky')).toMatchObject({
      api_key: API_KEY,
      app_id: APP_ID,
      user_name: 'sneaky',
      user_roles: { '2': 'Authenticated' },
    });
    expect(
      pg.logs.some(
        (line) =>
          line.includes(`tokenUser in config/plugins was not applied for user ${user.id}`) &&
          line.includes('api_key')
      )
    ).toBe(true);

    pg.strapi.config.set('plugin::iflychat.tokenUser', () => {
      throw new Error('profile service down');
    });
    const other = await createUser('unlucky');
    const thrown = await askToken(other.jwt);
    expect(thrown.status).toBe(200);
    expect(thrown.text).not.toMatch(/profile service down|at .*\.js/);
    expect(lastGenerate('unlucky')).toMatchObject({ user_name: 'unlucky' });
    expect(pg.logs.some((line) => line.includes('it failed: profile service down'))).toBe(true);
  });
});

describe('the per-user limit counts calls to iFlyChat', () => {
  it('cached answers are free; failed calls count; past the limit no call is made', async () => {
    const reader = await createUser('reader');
    const statuses = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await askToken(reader.jwt)).status);
    expect(statuses).toEqual(Array(8).fill(200));
    expect(generatesFor(reader.id)).toHaveLength(1);

    const costly = await createUser('costly');
    emulator.configure({
      faults: [{ kind: 'status', status: 503, path: 'token/generate', times: 3 }],
    });
    const failed = [];
    for (let i = 0; i < 3; i += 1) failed.push((await askToken(costly.jwt)).status);
    expect(failed).toEqual([503, 503, 503]);
    expect(generatesFor(costly.id)).toHaveLength(3);
    const limited = await askToken(costly.jwt);
    expect(limited.status).toBe(429);
    // Refused before any call: iFlyChat saw nothing more.
    expect(generatesFor(costly.id)).toHaveLength(3);
  });
});

describe('one budget per second for room jobs and chat tokens', () => {
  it('a flood of token requests does not starve room creation', async () => {
    const users = [];
    for (let i = 0; i < 40; i += 1) users.push(await createUser(`flood${i}`));
    const before = emulator.requests.length;
    const tokens = Promise.all(users.map((user) => askToken(user.jwt)));
    const audience = await roleId(pg.strapi, 'authenticated');
    const documents = pg.strapi.documents(COMMUNITY);
    for (let i = 0; i < 8; i += 1) {
      const doc = await documents.create({ data: { name: `Flooded ${i}`, audience } as never });
      await documents.publish({ documentId: doc.documentId });
    }
    const statuses = (await tokens).map((answer) => answer.status);
    expect(statuses).toEqual(Array(40).fill(200));
    await waitFor(async () => {
      const rows = await linkRows(pg.strapi);
      return rows.length === 8 && rows.every((row) => row.status === 'created');
    }, 60_000);

    const calls = emulator.requests.slice(before);
    const kinds = calls.map((call) => (call.path.includes('token/generate') ? 'token' : 'room'));
    const lastRoom = kinds.lastIndexOf('room');
    const lastToken = kinds.lastIndexOf('token');
    // Every room went out while tokens were still waiting their turn...
    expect(kinds.filter((kind) => kind === 'room').length).toBeGreaterThanOrEqual(8);
    expect(lastRoom).toBeLessThan(lastToken);
    // ...and tokens counted against the budget: unspaced, the same calls go out half again as fast
    // (a generous bound, for times recorded late on a busy machine).
    const span = (calls[calls.length - 1].at - calls[0].at) / 1000;
    expect((calls.length - 1) / span).toBeLessThanOrEqual(PER_SECOND * 1.25);
  }, 90_000);

  it('a mass revocation does not starve room creation either: its deletes take turns too', async () => {
    const budget = pg.strapi
      .plugin('iflychat')
      .service<{ stats(): { granted: { room: number; token: number } } }>('budget');
    const users = [];
    for (let i = 0; i < 30; i += 1) users.push(await createUser(`revoked${i}`));
    for (const user of users) expect((await askToken(user.jwt)).status).toBe(200);
    const before = emulator.requests.length;
    const turns = budget.stats().granted.token;
    const deletes = () =>
      emulator.requests.slice(before).filter((call) => call.path.endsWith('/delete'));
    await pg.strapi.db.query(USER_UID).updateMany({
      where: { id: { $in: users.map((user) => user.id) } },
      data: { blocked: true },
    });
    const audience = await roleId(pg.strapi, 'authenticated');
    const documents = pg.strapi.documents(COMMUNITY);
    for (let i = 0; i < 6; i += 1) {
      const doc = await documents.create({ data: { name: `Revoked ${i}`, audience } as never });
      await documents.publish({ documentId: doc.documentId });
    }
    await waitFor(() => deletes().length === users.length, 60_000);
    await waitFor(async () => {
      const rows = await linkRows(pg.strapi);
      const rooms = rows.filter((row) => String(row.roomName).startsWith('Revoked '));
      return rooms.length === 6 && rooms.every((row) => row.status === 'created');
    }, 60_000);

    // Every delete took a turn of the budget (on the tokens' side, so rooms keep theirs)...
    expect(budget.stats().granted.token - turns).toBeGreaterThanOrEqual(users.length);
    // ...so the deletes went out spaced: unspaced they go out many times as fast.
    const sent = deletes();
    const span = (sent[sent.length - 1].at - sent[0].at) / 1000;
    expect((sent.length - 1) / span).toBeLessThanOrEqual(PER_SECOND * 1.25);
  }, 120_000);
});

describe('a token call that gets no turn of the budget in time', () => {
  it('is answered 503 with Retry-After after timeoutMs, and never reaches iFlyChat', async () => {
    const settings = pg.strapi
      .plugin('iflychat')
      .service<{ load(): void; get(): Promise<unknown> }>('settings');
    const budget = pg.strapi
      .plugin('iflychat')
      .service<{ token(maxWaitMs: number): Promise<void> }>('budget');
    const waiting = await createUser('waiting');
    pg.strapi.config.set('plugin::iflychat.timeoutMs', 300);
    settings.load();
    // Read once, so that the budget paces by the settings in force.
    await settings.get();
    // Ten token calls ahead of this one: at 10 a second its turn is a second away.
    const ahead = Array.from({ length: 10 }, () => budget.token(60_000));
    try {
      const response = await fetch(`${pg.url}/api/iflychat/token`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${waiting.jwt}` },
      });
      answers.push(await response.text());
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(generatesFor(waiting.id)).toHaveLength(0);
    } finally {
      await Promise.all(ahead);
      pg.strapi.config.set('plugin::iflychat.timeoutMs', 10_000);
      settings.load();
    }
    // Its turn comes once the queue is gone: one call, made now.
    expect((await askToken(waiting.jwt)).status).toBe(200);
    expect(generatesFor(waiting.id)).toHaveLength(1);
  });
});

describe('guests (no sign-in)', () => {
  const session = async (room: number) =>
    (await (await fetch(`${emulator.url}/__widget/session?room=${room}&token=`)).json()) as {
      user: { id: string } | null;
      allowed: boolean;
    };

  it('GET /api/iflychat/config serves the widget; the token route refuses them with 401', async () => {
    const config = await httpClient(pg.url).get('/api/iflychat/config');
    answers.push(config.text);
    expect(config.status).toBe(200);
    expect(config.json.data).toEqual({
      appId: APP_ID,
      scriptUrl: `https://cdn.iflychat.com/js/iflychat-v2.min.js?app_id=${APP_ID}`,
    });
    // Even with the action ticked for the Public role, no token without a signed-in user.
    await enableTokenRoute(pg.strapi, await roleId(pg.strapi, 'public'));
    const calls = emulator.requestsTo('token/generate').length;
    const refused = await askToken();
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toBe('Sign in as a site user to get a chat token');
    expect(emulator.requestsTo('token/generate')).toHaveLength(calls);
  });

  it("enter rooms for all users (room_role 0) only, once iFlyChat's guest switch is on", async () => {
    emulator.configure({ tokens: { guests: false } });
    expect(await session(5)).toMatchObject({ user: null, allowed: false });
    emulator.configure({ tokens: { guests: true } });
    expect(await session(5)).toMatchObject({ user: { id: '0-guest' }, allowed: true });
    expect(await session(6)).toMatchObject({ user: { id: '0-guest' }, allowed: false });
  });
});
