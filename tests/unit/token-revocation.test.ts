/**
 * Why a recorded chat token no longer holds (tokens/access.ts), and what the revocation worker's
 * log lines may show (tokens/revoker.ts).
 */
import {
  roleAccess,
  staleGrants,
  staleReason,
  type AccessSettings,
  type GrantFacts,
} from '../../server/src/tokens/access';
import { carriedAttributes } from '../../server/src/tokens/lifecycle';
import { retryDelay, withoutToken } from '../../server/src/tokens/revoker';

const settings: AccessSettings = {
  roleMap: { authenticated: '2', members: '7', public: '1' },
  chatRoleMap: { members: 'moderator' },
};

const grant = (over: Partial<GrantFacts> = {}): GrantFacts => ({
  id: 1,
  userId: 10,
  roleId: 3,
  roleType: 'members',
  roleAccess: roleAccess(settings, 'members'),
  ...over,
});

const withRoute = new Set([3, 4]);
const user = { blocked: false, roleId: 3 };

describe('roleAccess', () => {
  /** What no chat admin or moderator by person and no members-only binding add. */
  const none = ',null,[],null,[],[]';

  it('names the chat role and the mapped role ids, not the role names', () => {
    expect(roleAccess(settings, 'members')).toBe(`["moderator",["7"]${none}]`);
    expect(roleAccess(settings, 'authenticated')).toBe(`["participant",["2"]${none}]`);
    expect(roleAccess(settings, 'unmapped')).toBe(`["participant",[]${none}]`);
    expect(roleAccess(settings, null)).toBe(`["participant",[]${none}]`);
  });

  it('never reads a prototype property as a mapping', () => {
    expect(roleAccess(settings, '__proto__')).toBe(`["participant",[]${none}]`);
    expect(roleAccess(settings, 'constructor')).toBe(`["participant",[]${none}]`);
  });

  it('changes for every role when admins or moderators by person or members-only rooms change', () => {
    const before = roleAccess(settings, 'authenticated');
    const changed = [
      { chatAdminUsernames: ['grace'] },
      { chatModeratorAttribute: 'isModerator' },
      { contentTypes: { 'api::community.community': { roomRole: { members: 'members' } } } },
    ];
    for (const change of changed) {
      expect(roleAccess({ ...settings, ...change }, 'authenticated')).not.toBe(before);
    }
    // A binding with a fixed role gives no one anything personal.
    const fixed = { contentTypes: { 'api::community.community': { roomRole: '2' } } };
    expect(roleAccess({ ...settings, ...fixed }, 'authenticated')).toBe(before);
  });
});

describe('staleReason', () => {
  it('holds while nothing changed', () => {
    expect(staleReason(grant(), user, settings, withRoute)).toBeNull();
  });

  it('a deleted, blocked or re-roled user', () => {
    expect(staleReason(grant(), undefined, settings, withRoute)).toBe('deleted');
    expect(staleReason(grant(), { ...user, blocked: true }, settings, withRoute)).toBe('blocked');
    expect(staleReason(grant(), { ...user, roleId: 4 }, settings, withRoute)).toBe('role changed');
    expect(staleReason(grant(), { ...user, roleId: null }, settings, withRoute)).toBe(
      'role changed'
    );
  });

  it('a role whose token route was switched off', () => {
    expect(staleReason(grant(), user, settings, new Set([4]))).toBe('token route disabled');
    const roleless = grant({ roleId: null });
    expect(staleReason(roleless, { ...user, roleId: null }, settings, withRoute)).toBe(
      'token route disabled'
    );
  });

  it('a role map or chat-role map that gives the role something else', () => {
    const remapped = { ...settings, roleMap: { ...settings.roleMap, members: '8' } };
    expect(staleReason(grant(), user, remapped, withRoute)).toBe('role map changed');
    const demoted: AccessSettings = { ...settings, chatRoleMap: {} };
    expect(staleReason(grant(), user, demoted, withRoute)).toBe('role map changed');
    // Another role's mapping changing leaves this grant alone.
    const other = { ...settings, roleMap: { ...settings.roleMap, authenticated: '5' } };
    expect(staleReason(grant(), user, other, withRoute)).toBeNull();
  });
});

describe('staleGrants', () => {
  it('groups the stale grants of a page by reason', () => {
    const users = new Map([
      [10, user],
      [11, { blocked: true, roleId: 3 }],
      [12, { blocked: false, roleId: 4 }],
    ]);
    const page = [
      grant({ id: 1 }),
      grant({ id: 2, userId: 11 }),
      grant({ id: 3, userId: 12 }),
      grant({ id: 4, userId: 13 }),
      grant({ id: 5, userId: 11 }),
    ];
    expect(Object.fromEntries(staleGrants(page, users, settings, withRoute))).toEqual({
      blocked: [2, 5],
      'role changed': [3],
      deleted: [4],
    });
  });
});

describe('withoutToken', () => {
  it('hides the token as it is and URL-encoded', () => {
    const token = 'a/b+c';
    expect(
      withoutToken(`failed on /token/${encodeURIComponent(token)}/delete: ${token}`, token)
    ).toBe('failed on /token/[token]/delete: [token]');
  });
});

describe('retryDelay', () => {
  const config = { retryBaseDelayMs: 1_000, retryMaxDelayMs: 8_000 };

  it('doubles from the base, jittered down to half, up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, undefined, config, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
    expect(retryDelay(3, undefined, config, () => 0)).toBe(2_000);
  });

  it("waits at least the server's Retry-After, never beyond the maximum", () => {
    expect(retryDelay(1, 5, config, () => 0)).toBe(5_000);
    expect(retryDelay(1, 86_400, config, () => 0)).toBe(8_000);
  });
});

describe('carriedAttributes', () => {
  const attributes = {
    username: { type: 'string' },
    email: { type: 'email' },
    blocked: { type: 'boolean' },
    displayName: { type: 'string' },
    chatModerator: { type: 'boolean' },
    avatar: { type: 'media' },
    role: { type: 'relation' },
    bio: { type: 'text' },
  };
  const none = {
    userNameAttribute: 'username',
    chatAdminAttribute: undefined,
    chatModeratorAttribute: undefined,
    userAvatarField: undefined,
    userAvatarGravatar: false,
  };

  it('names only what a token is made of: a save of anything else keeps the token', () => {
    expect(carriedAttributes(attributes, none)).toEqual({
      columns: ['id', 'blocked', 'username'],
      media: undefined,
    });
    expect(
      carriedAttributes(attributes, {
        userNameAttribute: 'displayName',
        chatAdminAttribute: 'role',
        chatModeratorAttribute: 'chatModerator',
        userAvatarField: 'avatar',
        userAvatarGravatar: true,
      })
    ).toEqual({
      columns: ['id', 'blocked', 'username', 'email', 'displayName', 'chatModerator'],
      media: 'avatar',
    });
  });

  it('never names what the user model does not have as a column', () => {
    expect(
      carriedAttributes(attributes, {
        ...none,
        userNameAttribute: 'nosuch',
        userAvatarField: 'bio',
      })
    ).toEqual({ columns: ['id', 'blocked', 'username'], media: undefined });
  });
});
