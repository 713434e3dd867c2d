import type { SettingsView } from '../../contracts/settings';
import {
  defaultBinding,
  flagMode,
  fromView,
  isDirty,
  roleMode,
  serverErrors,
  toRequest,
  validate,
} from '../../admin/src/pages/Settings/form';

const view: SettingsView = {
  apiKey: { configured: true, last4: 'abcd', source: 'admin' },
  appId: { configured: false, last4: null, source: null },
  appIdValue: null,
  chatRoleMap: {},
  userIdPrefix: 'strapi-',
  userNameAttribute: 'username',
  userAvatarUrl: undefined,
  userProfileUrl: undefined,
  userAvatarField: undefined,
  userAvatarGravatar: false,
  chatAdminAttribute: undefined,
  chatModeratorAttribute: undefined,
  chatAdminUsernames: [],
  chatModeratorUsernames: [],
  tokenRequestsPerMinute: 10,
  scriptUrl: '//cdn.iflychat.com/js/iflychat-v2.min.js',
  apiVersion: '1.1',
  baseUrl: 'https://api.iflychat.com',
  timeoutMs: 10_000,
  concurrency: 4,
  maxAttempts: 8,
  maxRequestsPerSecond: null,
  roleMap: { public: '1' },
  contentTypes: {
    'api::community.community': {
      roomName: '{name}',
      roomIdField: 'roomId',
      roomRole: 'everyone',
      private: false,
      moderate: { field: 'isModerated' },
      roomPer: 'document',
      onUnpublish: 'keep',
      onDelete: 'delete',
    },
  },
  locked: { keys: [], roleMap: [], contentTypes: [] },
  encryptedAtRest: true,
  revision: 3,
};

describe('the settings form', () => {
  it('keeps a stored key unless replaced or cleared', () => {
    const form = fromView(view);
    expect(form.apiKey).toEqual({ mode: 'keep', input: '' });
    expect(form.appId).toEqual({ mode: 'replace', input: '' });
    expect(toRequest(form)).toMatchObject({ apiKey: undefined, clearApiKey: undefined });
    // The revision the page was loaded from goes back, so a stale save is refused.
    expect(toRequest(form).revision).toBe(3);
    expect(toRequest({ ...form, apiKey: { mode: 'replace', input: ' new-key ' } }).apiKey).toBe(
      'new-key'
    );
    expect(toRequest({ ...form, apiKey: { mode: 'clear', input: '' } }).clearApiKey).toBe(true);
  });

  it('sends the chat-token settings, empty URL templates as not set, and checks them', () => {
    const form = fromView(view);
    expect(form.userAvatarUrl).toBe('');
    expect(toRequest(form)).toMatchObject({
      chatRoleMap: {},
      userIdPrefix: 'strapi-',
      userNameAttribute: 'username',
      userAvatarUrl: undefined,
      tokenRequestsPerMinute: 10,
    });
    const edited = {
      ...form,
      chatRoleMap: { authenticated: 'owner' as never },
      userProfileUrl: ' https://example.com/u/{email} ',
      tokenRequestsPerMinute: 0,
    };
    expect(validate(edited)).toEqual({
      'chatRoleMap.authenticated': 'must be admin, moderator, participant or viewer',
      userProfileUrl: 'may only use the placeholders {id}, {documentId}, {username}',
      tokenRequestsPerMinute: expect.stringMatching(/>=1|at least|too small/i),
    });
  });

  it('drops unmapped roles from the request', () => {
    const form = { ...fromView(view), roleMap: { public: '1', authenticated: '' } };
    expect(toRequest(form).roleMap).toEqual({ public: '1' });
  });

  it('validates with the shared schema and names the field', () => {
    const form = fromView(view);
    expect(validate(form)).toEqual({});
    const broken = {
      ...form,
      baseUrl: 'nope',
      contentTypes: {
        'api::community.community': {
          ...form.contentTypes['api::community.community'],
          roomName: 'plain',
        },
      },
    };
    expect(validate(broken)).toEqual({
      baseUrl: 'must be an https URL such as https://api.iflychat.com',
      'contentTypes.api::community.community.roomName':
        'must contain at least one {attribute} placeholder',
    });
  });

  it('checks the delivery tuning with the bounds of config/plugins.ts', () => {
    const form = fromView(view);
    expect(toRequest(form)).toMatchObject({ timeoutMs: 10_000, maxRequestsPerSecond: null });
    expect(validate({ ...form, maxRequestsPerSecond: 2.5 })).toEqual({});
    expect(
      validate({
        ...form,
        timeoutMs: 50,
        concurrency: 65,
        maxAttempts: 1.5,
        maxRequestsPerSecond: 0,
      })
    ).toEqual({
      timeoutMs: 'Too small: expected number to be >=100',
      concurrency: 'Too big: expected number to be <=64',
      maxAttempts: 'Invalid input: expected int, received number',
      maxRequestsPerSecond: 'Too small: expected number to be >0',
    });
    // Emptied: required ones are reported; the rate limit may be empty (no limit).
    expect(validate({ ...form, timeoutMs: null, maxRequestsPerSecond: null })).toEqual({
      timeoutMs: 'is required',
    });
  });

  it('checks one room per locale against the content type, as the server does', () => {
    const type = (uid: string, localized: boolean, localizedRoomIdFields: string[]) => ({
      uid,
      displayName: uid,
      nameFields: ['name'],
      roomIdFields: ['roomId', 'localeRoomId'],
      roleFields: [],
      booleanFields: [],
      memberFields: [],
      localized,
      localizedRoomIdFields,
    });
    const form = fromView(view);
    const binding = form.contentTypes['api::community.community'];
    const perLocale = (roomIdField: string) => ({
      ...form,
      contentTypes: {
        'api::community.community': { ...binding, roomPer: 'locale' as const, roomIdField },
      },
    });
    const key = 'contentTypes.api::community.community.roomPer';

    expect(validate(perLocale('roomId'), [type('api::community.community', false, [])])[key]).toBe(
      'api::community.community is not localized (i18n), so it has one room per document'
    );
    const translated = [type('api::community.community', true, ['localeRoomId'])];
    expect(validate(perLocale('roomId'), translated)[key]).toContain(
      '"roomId" is shared by all locales'
    );
    expect(validate(perLocale('localeRoomId'), translated)).toEqual({});
  });

  it('reads field errors from a 400 answer', () => {
    expect(
      serverErrors({
        errors: [
          { path: ['apiKey'], message: 'is set in config/plugins.ts' },
          { path: ['contentTypes', 'api::a.a', 'roomIdField'], message: 'wrong type' },
        ],
      })
    ).toEqual({
      apiKey: 'is set in config/plugins.ts',
      'contentTypes.api::a.a.roomIdField': 'wrong type',
    });
  });

  it('knows when it changed', () => {
    const form = fromView(view);
    expect(isDirty(form, fromView(view))).toBe(false);
    expect(isDirty({ ...form, baseUrl: 'https://api2.iflychat.com' }, form)).toBe(true);
  });

  it('describes role and flag sources and prefills a new binding', () => {
    expect(roleMode('everyone')).toBe('everyone');
    expect(roleMode({ role: 'public' })).toBe('role');
    expect(roleMode({ field: 'audience' })).toBe('field');
    expect(roleMode({ members: 'members', alsoRole: 'staff' })).toBe('members');
    expect(flagMode(true)).toBe('on');
    expect(flagMode({ field: 'isPrivate' })).toBe('field');
    expect(
      defaultBinding({ nameFields: ['title', 'slug'], roomIdFields: ['code', 'chatRoomId'] })
    ).toEqual({
      roomName: '{title}',
      roomIdField: 'chatRoomId',
      roomRole: 'everyone',
      private: false,
      moderate: false,
      roomPer: 'document',
      onUnpublish: 'keep',
      onDelete: 'keep',
    });
  });

  it('never prefills the room id field with an attribute not named for it', () => {
    // The first publish would write the room id over the entries' names.
    expect(defaultBinding({ nameFields: ['name'], roomIdFields: ['name', 'slug'] })).toMatchObject({
      roomName: '{name}',
      roomIdField: '',
    });
    expect(
      defaultBinding({ nameFields: [], roomIdFields: ['roomCount', 'room_id'] })
    ).toMatchObject({ roomIdField: 'room_id' });
    expect(defaultBinding({ nameFields: [], roomIdFields: ['chatroom'] }).roomIdField).toBe('');
  });
});
