/**
 * The chat identity (avatar, chat role by person, site roles), the site's `tokenUser` function,
 * and the budget of calls per second that chat tokens share with room jobs.
 */
import { createHash } from 'node:crypto';

import type { Core } from '@strapi/strapi';

import { pluginConfigSchema } from '../../contracts/config';
import { fromView, toRequest, validate } from '../../admin/src/pages/Settings/form';
import { usernamesList, usernamesText } from '../../admin/src/pages/Settings/users-form';
import {
  BudgetExhaustedError,
  createBudgetService,
  createCallBudget,
} from '../../server/src/iflychat/budget';
import type { TokenParams } from '../../server/src/iflychat/tokens';
import { tokenFields } from '../../server/src/iflychat/tokens';
import {
  applyIdentity,
  gravatarUrl,
  higherChatRole,
  mediaUrl,
  personalChatRole,
  siteRoles,
  type IdentitySettings,
} from '../../server/src/tokens/identity';
import { applyTokenUser, checkHookOutput, hookParams } from '../../server/src/tokens/token-user';
import { identityAttributeProblems } from '../../server/src/tokens/user-model';

const identity: IdentitySettings = {
  roleMap: { public: '1', authenticated: '2', members: '7', staff: '7', everyone: '0' },
  userAvatarField: undefined,
  userAvatarGravatar: false,
  chatAdminAttribute: 'isChatAdmin',
  chatModeratorAttribute: 'isChatModerator',
  chatAdminUsernames: ['grace'],
  chatModeratorUsernames: ['linus'],
};

const base: TokenParams = {
  appId: 'app-1',
  userId: 'strapi-12',
  userName: 'ada',
  chatRole: 'participant',
  userRoles: { '2': 'Authenticated' },
};

const ada = { id: 12, username: 'ada', email: ' Ada@Example.com ' };
const names = new Map([
  ['public', 'Public'],
  ['authenticated', 'Authenticated'],
  ['members', 'Members'],
]);

describe('chat admins and moderators by person', () => {
  it('a boolean attribute or a listed username raises the role-based chat role, never lowers it', () => {
    expect(personalChatRole({ ...ada, isChatAdmin: true }, identity)).toBe('admin');
    expect(personalChatRole({ ...ada, isChatModerator: true }, identity)).toBe('moderator');
    expect(personalChatRole({ ...ada, username: 'grace' }, identity)).toBe('admin');
    expect(personalChatRole({ ...ada, username: 'linus' }, identity)).toBe('moderator');
    // Only `true`: a string or a missing attribute is nothing.
    expect(personalChatRole({ ...ada, isChatAdmin: 'true' }, identity)).toBeUndefined();
    expect(personalChatRole({ ...ada, username: 'Grace' }, identity)).toBeUndefined();
    expect(higherChatRole('viewer', 'moderator')).toBe('moderator');
    expect(higherChatRole('admin', 'moderator')).toBe('admin');
    expect(higherChatRole('viewer', undefined)).toBe('viewer');
  });

  it('admins and moderators get user_site_roles: every room role of the role map, never 0', () => {
    expect(siteRoles(identity.roleMap, names)).toEqual({
      '1': 'Public',
      '2': 'Authenticated',
      '7': 'Members',
    });
    const context = { roleNames: names };
    const admin = applyIdentity(base, { ...ada, isChatAdmin: true }, identity, context);
    expect(admin).toMatchObject({ chatRole: 'admin', userRoles: { '2': 'Authenticated' } });
    expect(tokenFields(admin).user_site_roles).toEqual({
      '1': 'Public',
      '2': 'Authenticated',
      '7': 'Members',
    });
    const moderator = applyIdentity({ ...base, chatRole: 'moderator' }, ada, identity, context);
    expect(moderator.siteRoles).toEqual(admin.siteRoles);
    // A participant's token says nothing about the other roles of the site.
    expect(applyIdentity(base, ada, identity, context).siteRoles).toBeUndefined();
    expect(
      tokenFields(applyIdentity(base, ada, identity, context)).user_site_roles
    ).toBeUndefined();
  });
});

describe('avatars', () => {
  it('Gravatar is the SHA-256 of the trimmed, lower-cased e-mail, only when switched on', () => {
    const hash = createHash('sha256').update('ada@example.com').digest('hex');
    expect(gravatarUrl(ada.email)).toBe(`https://gravatar.com/avatar/${hash}?d=mp`);
    expect(gravatarUrl(undefined)).toBeUndefined();
    expect(gravatarUrl('not an address')).toBeUndefined();
    const context = { roleNames: new Map<string, string>() };
    expect(applyIdentity(base, ada, identity, context).avatarUrl).toBeUndefined();
    const on = { ...identity, userAvatarGravatar: true };
    expect(applyIdentity(base, ada, on, context).avatarUrl).toBe(gravatarUrl(ada.email));
    // The URL template wins over Gravatar, the media field over both.
    const templated = { ...base, avatarUrl: 'https://example.com/a/12.png' };
    expect(applyIdentity(templated, ada, on, context).avatarUrl).toBe(
      'https://example.com/a/12.png'
    );
    const file = { url: 'https://cdn.example.com/ada.png' };
    expect(applyIdentity(templated, ada, on, { ...context, avatarFile: file }).avatarUrl).toBe(
      'https://cdn.example.com/ada.png'
    );
  });

  it('a media file URL is absolute, or a path made absolute with server.url, or nothing', () => {
    expect(mediaUrl({ url: 'https://cdn.example.com/a.png' }, undefined)).toBe(
      'https://cdn.example.com/a.png'
    );
    expect(mediaUrl({ url: '/uploads/a.png' }, 'https://cms.example.com/')).toBe(
      'https://cms.example.com/uploads/a.png'
    );
    expect(mediaUrl({ url: '/uploads/a.png' }, '')).toBeUndefined();
    expect(mediaUrl({ url: '/uploads/a.png' }, '/cms')).toBeUndefined();
    for (const url of ['//evil.example/a.png', 'javascript:alert(1)', 'a.png', '/a b.png', 7]) {
      expect([url, mediaUrl({ url }, 'https://cms.example.com')]).toEqual([url, undefined]);
    }
    expect(mediaUrl(null, 'https://cms.example.com')).toBeUndefined();
    expect(mediaUrl([{ url: '/a.png' }], 'https://cms.example.com')).toBeUndefined();
  });
});

describe('identity settings', () => {
  const model = {
    uid: 'plugin::users-permissions.user',
    attributes: {
      username: { type: 'string' },
      avatar: { type: 'media', multiple: false },
      photos: { type: 'media', multiple: true },
      isChatAdmin: { type: 'boolean' },
    },
  };

  it('the avatar field must be a single media attribute, the flags boolean attributes', () => {
    expect(
      identityAttributeProblems(model, {
        userAvatarField: 'avatar',
        chatAdminAttribute: 'isChatAdmin',
      })
    ).toEqual([]);
    expect(
      identityAttributeProblems(model, {
        userAvatarField: 'photos',
        chatAdminAttribute: 'username',
        chatModeratorAttribute: 'missing',
      })
    ).toEqual([
      {
        path: ['userAvatarField'],
        message: '"photos" is not a single-media attribute of the user',
      },
      {
        path: ['chatAdminAttribute'],
        message: '"username" is not a boolean attribute of the user',
      },
      {
        path: ['chatModeratorAttribute'],
        message: '"missing" is not a boolean attribute of the user',
      },
    ]);
  });

  it('the configuration checks each field and names it', () => {
    const bad = pluginConfigSchema.safeParse({
      userAvatarField: 'a b',
      userAvatarGravatar: 'yes',
      chatAdminAttribute: '1x',
      chatAdminUsernames: ['ok', ''],
      chatModeratorUsernames: 'linus',
      tokenUser: 'not a function',
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'chatAdminAttribute',
      'chatAdminUsernames.1',
      'chatModeratorUsernames',
      'tokenUser',
      'userAvatarField',
      'userAvatarGravatar',
    ]);
    const good = pluginConfigSchema.parse({
      userAvatarField: '',
      chatAdminUsernames: [' grace '],
      tokenUser: (_user: unknown, params: unknown) => params,
    });
    expect(good.userAvatarField).toBeUndefined();
    expect(good.chatAdminUsernames).toEqual(['grace']);
    expect(typeof good.tokenUser).toBe('function');
  });

  it('the settings page edits the usernames as comma-separated text and checks the fields', () => {
    expect(usernamesText(usernamesList('grace, linus,'))).toBe('grace, linus,');
    const form = {
      ...fromView({
        ...pluginConfigSchema.parse({}),
        apiKey: { configured: false, last4: null, source: null },
        appId: { configured: false, last4: null, source: null },
        appIdValue: null,
        maxRequestsPerSecond: null,
        locked: { keys: [], roleMap: [], contentTypes: [] },
        encryptedAtRest: true,
        revision: 0,
      }),
      chatAdminUsernames: usernamesList('grace, linus,'),
      userAvatarGravatar: true,
    };
    expect(toRequest(form)).toMatchObject({
      chatAdminUsernames: ['grace', 'linus'],
      userAvatarGravatar: true,
      userAvatarField: undefined,
    });
    expect(validate({ ...form, chatAdminAttribute: 'is admin' })).toEqual({
      chatAdminAttribute: 'must name an attribute of the user',
    });
  });
});

describe('tokenUser in config/plugins.ts', () => {
  const warnings: string[] = [];
  const fakeStrapi = (hook: unknown) =>
    ({
      config: { get: (key: string) => (key === 'plugin::iflychat.tokenUser' ? hook : undefined) },
      log: { warn: (line: string) => warnings.push(line) },
    }) as unknown as Core.Strapi;
  const user = { id: 12, username: 'ada', password: '$2a$10$hash', resetPasswordToken: 'r' };

  beforeEach(() => {
    warnings.length = 0;
  });

  it('gets the parameters under iFlyChat names and the user without secrets; its answer is sent', async () => {
    let seen: Record<string, unknown> | undefined;
    const out = await applyTokenUser(
      fakeStrapi((given: Record<string, unknown>, params: ReturnType<typeof hookParams>) => {
        seen = given;
        return { ...params, user_name: 'Ada L.', user_roles: { ...params.user_roles, '9': 'VIP' } };
      }),
      user,
      base
    );
    expect(seen).toEqual({ id: 12, username: 'ada' });
    expect(Object.isFrozen(seen)).toBe(true);
    expect(out).toEqual({
      ...base,
      userName: 'Ada L.',
      userRoles: { '2': 'Authenticated', '9': 'VIP' },
      siteRoles: undefined,
      avatarUrl: undefined,
      profileUrl: undefined,
    });
    expect(warnings).toEqual([]);
  });

  it('bad output, a throw or a timeout leaves the default parameters and logs why', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [() => ({ ...hookParams(base), api_key: 'stolen' }), /Unrecognized key.*api_key/i],
      [() => ({ ...hookParams(base), app_id: 'other' }), /app_id/],
      [() => ({ ...hookParams(base), user_id: 'strapi-1' }), /user_id: cannot be changed/],
      [() => ({ ...hookParams(base), chat_role: 'owner' }), /chat_role: must be admin/],
      [() => ({ ...hookParams(base), user_roles: { 'a b': 'x' } }), /user_roles/],
      [() => ({ ...hookParams(base), user_avatar_url: 'javascript:x' }), /user_avatar_url/],
      [() => null, /its answer is not valid/],
      [
        () => {
          throw new Error('database down');
        },
        /it failed: database down/,
      ],
      [() => Promise.reject(new Error('async failure')), /it failed: async failure/],
    ];
    for (const [hook, reason] of cases) {
      warnings.length = 0;
      await expect(applyTokenUser(fakeStrapi(hook), user, base)).resolves.toBe(base);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/tokenUser in config\/plugins was not applied for user 12/);
      expect(warnings[0]).toMatch(reason);
    }
    warnings.length = 0;
    const slow = () => new Promise(() => undefined);
    await expect(applyTokenUser(fakeStrapi(slow), user, base, 50)).resolves.toBe(base);
    expect(warnings[0]).toMatch(/took longer than 50 ms/);
  });

  it('a role key that would reach the prototype never does', () => {
    const output = (roles: string) =>
      JSON.parse(
        `{"user_id":"strapi-12","user_name":"a","chat_role":"participant","user_roles":${roles}}`
      );
    const dropped = checkHookOutput(output('{"__proto__":"x"}'), base) as TokenParams;
    expect(Object.getPrototypeOf(dropped.userRoles)).toBe(Object.prototype);
    expect(Object.keys(dropped.userRoles)).toEqual([]);
    expect(checkHookOutput(output('{"constructor":"y"}'), base)).toMatch(/user_roles.constructor/);
  });
});

describe('the call budget shared by room jobs and chat tokens', () => {
  it('without maxRequestsPerSecond every call goes at once', async () => {
    const budget = createCallBudget({ perSecond: () => undefined });
    await Promise.all([budget.room(), budget.token(10), budget.token(10)]);
    expect(budget.stats().granted).toEqual({ room: 1, token: 2 });
  });

  it('while rooms wait, tokens get every other slot; a token past its wait is refused', async () => {
    const budget = createCallBudget({ perSecond: () => 200 });
    const order: string[] = [];
    const tokens = Array.from({ length: 20 }, () =>
      budget.token(60_000).then(() => order.push('token'))
    );
    const rooms = Array.from({ length: 5 }, () => budget.room().then(() => order.push('room')));
    await Promise.all([...tokens, ...rooms]);
    // The first token went at once; then rooms and tokens alternated until no room waited.
    const lastRoom = order.lastIndexOf('room');
    expect(lastRoom).toBeLessThanOrEqual(10);
    expect(
      order.slice(1, lastRoom + 1).filter((kind) => kind === 'token').length
    ).toBeLessThanOrEqual(5);

    const slow = createCallBudget({ perSecond: () => 1 });
    await slow.token(1_000);
    await expect(slow.token(20)).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(slow.stats().waiting).toEqual({ room: 0, token: 0 });
  });

  it('is paced from the first call after settings.load(), before anything read the settings', async () => {
    // The settings service as it is right after load(): nothing cached until a read.
    let cached: { maxRequestsPerSecond: number } | undefined;
    const settings = {
      cached: () => cached,
      get: () => Promise.resolve((cached = { maxRequestsPerSecond: 1 })),
    };
    const strapi = { plugin: () => ({ service: () => settings }) } as unknown as Core.Strapi;
    const budget = createBudgetService({ strapi });
    await budget.room();
    const second = budget.room();
    await new Promise((resolve) => setImmediate(resolve));
    // One call a second: the second waits its turn instead of going out with the first.
    expect(budget.stats()).toEqual({
      waiting: { room: 1, token: 0 },
      granted: { room: 1, token: 0 },
    });
    await expect(budget.token(20)).rejects.toBeInstanceOf(BudgetExhaustedError);
    await second;
  });
});
