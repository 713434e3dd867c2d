import { parsePluginConfig, PluginConfigError } from '../../server/src/config/parse';
import {
  formatProblem,
  validateBinding as validateToProblems,
  type ModelLike,
} from '../../server/src/config/bindings';

const validateBinding = (...args: Parameters<typeof validateToProblems>) =>
  validateToProblems(...args).map(formatProblem);
import { bindingSchema } from '../../contracts/config';

function problems(raw: unknown): string[] {
  try {
    parsePluginConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginConfigError);
    return (error as PluginConfigError).problems;
  }
  return [];
}

describe('parsePluginConfig', () => {
  it('applies the defaults', () => {
    expect(parsePluginConfig({})).toEqual({
      apiKey: undefined,
      appId: undefined,
      apiVersion: '1.1',
      baseUrl: 'https://api.iflychat.com',
      timeoutMs: 10_000,
      maxResponseBytes: 1_048_576,
      maxListResponseBytes: 16_777_216,
      proxy: undefined,
      concurrency: 4,
      maxAttempts: 8,
      maxRequestsPerSecond: undefined,
      retryBaseDelayMs: 2_000,
      retryMaxDelayMs: 600_000,
      leaseSeconds: 120,
      adoptExistingRoomIds: false,
      banBlockedUsers: false,
      sweepIntervalSeconds: 60,
      memberRoomsPerToken: 500,
      roleMap: {},
      contentTypes: {},
      chatRoleMap: {},
      userIdPrefix: 'strapi-',
      userNameAttribute: 'username',
      userAvatarGravatar: false,
      chatAdminUsernames: [],
      chatModeratorUsernames: [],
      tokenRequestsPerMinute: 10,
      scriptUrl: 'https://cdn.iflychat.com/js/iflychat-v2.min.js',
      allowedScriptHosts: [],
    });
  });

  it('keeps the lease longer than any call', () => {
    expect(problems({ timeoutMs: 60_000, leaseSeconds: 60 })).toEqual([
      'leaseSeconds: must be at least 3 × timeoutMs (180 s)',
    ]);
    expect(problems({ retryBaseDelayMs: 5_000, retryMaxDelayMs: 1_000 })).toEqual([
      'retryMaxDelayMs: must not be smaller than retryBaseDelayMs',
    ]);
  });

  it('treats an empty key from an unset variable as no key, and normalises the role map and URL', () => {
    const config = parsePluginConfig({
      apiKey: '',
      baseUrl: 'https://api2.iflychat.com/',
      roleMap: { public: 1, authenticated: '2' },
    });
    expect(config.apiKey).toBeUndefined();
    expect(config.baseUrl).toBe('https://api2.iflychat.com');
    expect(config.roleMap).toEqual({ public: '1', authenticated: '2' });
  });

  it('names every bad key', () => {
    expect(
      problems({
        apiVersion: 2,
        timeoutMs: 5,
        roleMap: { public: '' },
        contentTypes: {
          community: { roomName: '{name}', roomIdField: 'roomId' },
          'api::b.b': { roomName: 'no placeholder', roomIdField: 'roomId' },
          'api::a.a': {
            roomName: '{name}',
            roomIdField: 'roomId',
            roomRole: 'admins',
            private: 'yes',
          },
        },
      })
    ).toEqual([
      'apiVersion: Invalid option: expected one of "1.1"|"1.0"',
      'timeoutMs: Too small: expected number to be >=100',
      'roleMap.public: must not be empty',
      'contentTypes.community: must be an api:: content type uid such as api::community.community',
      'contentTypes.api::b.b.roomName: must contain at least one {attribute} placeholder',
      'contentTypes.api::a.a.roomRole: must be "everyone", { role: "<role type>" }, { field: "<attribute>" } or { members: "<relation to users>" }',
      'contentTypes.api::a.a.private: must be true, false or { field: "<boolean attribute>" }',
    ]);
  });
});

describe('validateBinding', () => {
  const model: ModelLike = {
    uid: 'api::community.community',
    options: { draftAndPublish: true },
    attributes: {
      name: { type: 'string' },
      roomId: { type: 'biginteger' },
      audience: {
        type: 'relation',
        relation: 'manyToOne',
        target: 'plugin::users-permissions.role',
      },
      members: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'plugin::users-permissions.role',
      },
      users: {
        type: 'relation',
        relation: 'manyToMany',
        target: 'plugin::users-permissions.user',
      },
      owner: {
        type: 'relation',
        relation: 'manyToOne',
        target: 'plugin::users-permissions.user',
      },
      tier: { type: 'enumeration', enum: ['public', 'authenticated'] },
      isPrivate: { type: 'boolean' },
      cover: { type: 'media' },
    },
  };
  const binding = (input: Record<string, unknown>) =>
    bindingSchema.parse({ roomName: '{name}', roomIdField: 'roomId', ...input });

  it('accepts a binding that fits the content type', () => {
    expect(
      validateBinding(
        model.uid,
        binding({
          roomName: '{name} {documentId}',
          roomRole: { field: 'tier' },
          private: { field: 'isPrivate' },
        }),
        model
      )
    ).toEqual([]);
    expect(validateBinding(model.uid, binding({ roomRole: { field: 'audience' } }), model)).toEqual(
      []
    );
  });

  it('rejects a content type without draft & publish', () => {
    expect(
      validateBinding(model.uid, binding({}), { ...model, options: { draftAndPublish: false } })
    ).toEqual([
      'contentTypes.api::community.community: draft & publish is off for this content type, so it is never published',
    ]);
  });

  it('rejects attributes that cannot serve', () => {
    expect(
      validateBinding(
        model.uid,
        binding({
          roomName: '{cover}',
          roomRole: { field: 'members' },
          moderate: { field: 'tier' },
        }),
        model
      )
    ).toEqual([
      'contentTypes.api::community.community.roomName: {cover} is a media attribute, which has no text form',
      'contentTypes.api::community.community.roomRole.field: "members" must be a single relation to plugin::users-permissions.role, an enumeration or a string',
      'contentTypes.api::community.community.moderate.field: "tier" is a enumeration attribute; it must be boolean',
    ]);
  });

  it('a members-only room needs a many-to-many or one-to-many relation to users', () => {
    const members = (source: Record<string, unknown>) =>
      validateBinding(model.uid, binding({ roomRole: source }), model);
    expect(members({ members: 'users' })).toEqual([]);
    expect(members({ members: 'users', alsoRole: 'staff' })).toEqual([]);
    const oneToMany: ModelLike = {
      ...model,
      attributes: {
        ...model.attributes,
        users: { ...model.attributes.users, relation: 'oneToMany' },
      },
    };
    expect(
      validateBinding(model.uid, binding({ roomRole: { members: 'users' } }), oneToMany)
    ).toEqual([]);
    const needs =
      'must be a many-to-many or one-to-many relation to plugin::users-permissions.user';
    expect(members({ members: 'owner' })).toEqual([
      `contentTypes.api::community.community.roomRole.members: "owner" ${needs}`,
    ]);
    expect(members({ members: 'members' })).toEqual([
      `contentTypes.api::community.community.roomRole.members: "members" ${needs}`,
    ]);
    expect(members({ members: 'nosuch' })).toEqual([
      'contentTypes.api::community.community.roomRole.members: "nosuch" is not an attribute of api::community.community',
    ]);
    expect(members({ members: 'constructor' })).toEqual([
      'contentTypes.api::community.community.roomRole.members: "constructor" is not an attribute of api::community.community',
    ]);
    expect(() => binding({ roomRole: { members: 'users', extra: 1 } })).toThrow();
    expect(() => binding({ roomRole: { members: 'users', alsoRole: 'no such role!' } })).toThrow(
      'must be a role type such as authenticated'
    );
  });

  it('the role map may not use the ids kept for members-only rooms', () => {
    expect(
      problems({ roleMap: { staff: 'member-abc', editors: 'MEMBER-1', ok: 'members' } })
    ).toEqual([
      'roleMap.staff: must not start with "member-": those ids are kept for members-only rooms',
      'roleMap.editors: must not start with "member-": those ids are kept for members-only rooms',
    ]);
    expect(problems({ memberRoomsPerToken: 0 })).toEqual([
      'memberRoomsPerToken: Too small: expected number to be >=1',
    ]);
  });
});
