/**
 * Members-only rooms on a real Strapi: the playground's Community bound with
 * `roomRole: { members: 'members', alsoRole: 'staff' }`, site users signing in through
 * Users & Permissions, and the emulator deciding, as iFlyChat does, whether a token's user may
 * enter a room (`room_role` ∈ `user_roles`).
 */
import type { Core } from '@strapi/strapi';

import { MEMBER_ROLE_PREFIX } from '../../contracts/config';
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  playgroundConfig,
  restClient,
  roleId,
  settle,
  waitFor,
  saveSettings,
  type Playground,
} from '../helpers/playground';
import { addSiteUser, createRole, enableTokenRoute, signInOverHttp } from '../helpers/site-users';

const APP_ID = 'app-members-0c3e';
const PASSWORD = 'Site-User-Pass-1';
const BINDING = {
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: { members: 'members', alsoRole: 'staff' },
};

let emulator: Emulator;
let pg: Playground;
const users: Record<string, { id: number; documentId: string }> = {};

async function createUser(username: string, roleType: string) {
  const user = await addSiteUser(pg.strapi, username, roleType, PASSWORD);
  users[username] = user;
  return user;
}

async function askToken(username: string) {
  const jwt = await signInOverHttp(pg.url, username, PASSWORD);
  const response = await fetch(`${pg.url}/api/iflychat/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${jwt}` },
  });
  expect(response.status).toBe(200);
  const { data } = (await response.json()) as { data: { token: string } };
  const issued = emulator.tokens.find((token) => token.key === data.token);
  return { token: data.token, roles: issued?.user_roles ?? {} };
}

/** Creates and publishes a Community with these members; resolves once it has its room. */
async function community(name: string, members: string[]) {
  const documents = pg.strapi.documents(COMMUNITY);
  const created = await documents.create({
    data: {
      name,
      members: { connect: members.map((username) => ({ documentId: users[username].documentId })) },
    } as never,
  });
  await documents.publish({ documentId: created.documentId });
  return { documentId: created.documentId, room: await roomOf(name) };
}

async function roomOf(name: string) {
  await settle(pg.strapi);
  return waitFor(() => emulator.rooms.find((room) => room.room_name === name));
}

let admin: Awaited<ReturnType<typeof adminSession>> | undefined;
async function adminClient() {
  admin ??= await adminSession(pg);
  return admin;
}

const tokens = () => pg.strapi.plugin('iflychat').service<{ idle(): Promise<void> }>('tokens');

const stillIssued = (token: string) => emulator.tokens.some((issued) => issued.key === token);

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: APP_ID,
      roleMap: { authenticated: '2', staff: '5' },
      memberRoomsPerToken: 2,
      chatAdminUsernames: ['zoe'],
      contentTypes: { [COMMUNITY]: BINDING },
    }),
  });
  const strapi: Core.Strapi = pg.strapi;
  strapi.config.set('plugin::users-permissions.ratelimit', { enabled: false });
  await enableTokenRoute(strapi, await roleId(strapi, 'authenticated'));
  await enableTokenRoute(strapi, await createRole(strapi, 'Staff', 'staff'));
  for (const name of ['ada', 'max', 'lin', 'kim']) await createUser(name, 'authenticated');
  await createUser('sam', 'staff');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

describe('a members-only room', () => {
  let hikers: Awaited<ReturnType<typeof community>>;

  beforeAll(async () => {
    hikers = await community('Hikers', ['ada']);
  });

  it('gets a room_role of its own, outside the role map', () => {
    expect(hikers.room.room_role).toMatch(new RegExp(`^${MEMBER_ROLE_PREFIX}[0-9a-f]{32}$`));
    expect(['2', '5']).not.toContain(hikers.room.room_role);
  });

  it('a member gets the room role in user_roles and enters; a non-member of the same role does not', async () => {
    const ada = await askToken('ada');
    expect(ada.roles).toEqual({ '2': 'Authenticated', [hikers.room.room_role]: 'Hikers' });
    expect(emulator.enter(ada.token, hikers.room.room_id).allowed).toBe(true);

    const max = await askToken('max');
    expect(max.roles).toEqual({ '2': 'Authenticated' });
    expect(emulator.enter(max.token, hikers.room.room_id)).toMatchObject({
      valid: true,
      allowed: false,
    });
  });

  it("the room panel shows the published entry's member count", async () => {
    const admin = await adminClient();
    const status = await admin.get(
      `/iflychat/rooms?uid=${COMMUNITY}&documentId=${hikers.documentId}`
    );
    expect(status.status).toBe(200);
    expect(status.json.data.members).toEqual({ count: 1, alsoRole: 'staff' });
  });

  it('a chat admin gets every members-only room in user_site_roles, not in user_roles', async () => {
    await createUser('zoe', 'authenticated');
    const zoe = await askToken('zoe');
    expect(zoe.roles).toEqual({ '2': 'Authenticated' });
    const sent = emulator.requestsTo('token/generate').at(-1)!.body;
    expect(sent.user_id).toBe(`strapi-${users.zoe.id}`);
    expect(sent.chat_role).toBe('admin');
    expect(sent.user_site_roles).toEqual({
      '2': 'Authenticated',
      '5': 'Staff',
      [hikers.room.room_role]: 'Hikers',
    });
  });

  it('a user of the alsoRole role enters without being a member', async () => {
    const sam = await askToken('sam');
    expect(sam.roles).toEqual({ '5': 'Staff', [hikers.room.room_role]: 'Hikers' });
    expect(emulator.enter(sam.token, hikers.room.room_id).allowed).toBe(true);
  });
});

describe('membership changes take effect', () => {
  let climbers: Awaited<ReturnType<typeof community>>;

  beforeAll(async () => {
    climbers = await community('Climbers', []);
  });

  const inRoom = async (username: string) => {
    const { token, roles } = await askToken(username);
    expect(emulator.enter(token, climbers.room.room_id).allowed).toBe(
      Object.hasOwn(roles, climbers.room.room_role)
    );
    return { token, member: Object.hasOwn(roles, climbers.room.room_role) };
  };

  it('through the Document Service: adding drops the old token, the next one opens the room', async () => {
    const before = await inRoom('lin');
    expect(before.member).toBe(false);
    await pg.strapi.documents(COMMUNITY).update({
      documentId: climbers.documentId,
      data: { members: { connect: [{ documentId: users.lin.documentId }] } } as never,
    });
    // A draft's members count once published.
    expect((await inRoom('lin')).member).toBe(false);
    await pg.strapi.documents(COMMUNITY).publish({ documentId: climbers.documentId });
    await waitFor(() => !stillIssued(before.token));
    const after = await inRoom('lin');
    expect(after.member).toBe(true);
    expect(after.token).not.toBe(before.token);
  });

  it('through the REST API: removing a member drops their token', async () => {
    const before = await inRoom('lin');
    expect(before.member).toBe(true);
    const rest = await restClient(pg);
    const response = await rest.put(`/api/communities/${climbers.documentId}?status=published`, {
      data: { members: { disconnect: [{ documentId: users.lin.documentId }] } },
    });
    expect(response.status).toBe(200);
    await waitFor(() => !stillIssued(before.token));
    expect((await inRoom('lin')).member).toBe(false);
    // Ada, a member of another room, kept her token.
    expect(emulator.tokens.some((token) => token.user_id === `strapi-${users.ada.id}`)).toBe(true);
  });

  it('through the Content Manager: publishing with a new member', async () => {
    const before = await inRoom('kim');
    const admin = await adminClient();
    const path = `/content-manager/collection-types/${COMMUNITY}/${climbers.documentId}`;
    const saved = await admin.put(path, {
      members: { connect: [{ documentId: users.kim.documentId }] },
    });
    expect(saved.status).toBe(200);
    const published = await admin.post(`${path}/actions/publish`, {});
    expect(published.status).toBe(200);
    await waitFor(() => !stillIssued(before.token));
    expect((await inRoom('kim')).member).toBe(true);
  });

  it("from the user's side (PUT /api/users/:id): leaving drops the token", async () => {
    const before = await inRoom('kim');
    expect(before.member).toBe(true);
    const rest = await restClient(pg);
    const response = await rest.put(`/api/users/${users.kim.id}`, {
      communities: { disconnect: [{ documentId: climbers.documentId }] },
    });
    expect(response.status).toBe(200);
    await waitFor(() => !stillIssued(before.token));
    expect((await inRoom('kim')).member).toBe(false);
  });

  it("from the user's side in the Content Manager: joining drops the token", async () => {
    const before = await inRoom('kim');
    expect(before.member).toBe(false);
    const admin = await adminClient();
    const saved = await admin.put(
      `/content-manager/collection-types/plugin::users-permissions.user/${users.kim.documentId}`,
      { communities: { connect: [{ documentId: climbers.documentId, locale: null }] } }
    );
    expect(saved.status).toBe(200);
    await waitFor(() => !stillIssued(before.token));
    expect((await inRoom('kim')).member).toBe(true);
  });

  it('unpublishing the entry drops its members\u2019 tokens', async () => {
    await pg.strapi.documents(COMMUNITY).update({
      documentId: climbers.documentId,
      data: { members: { connect: [{ documentId: users.max.documentId }] } } as never,
    });
    await pg.strapi.documents(COMMUNITY).publish({ documentId: climbers.documentId });
    const before = await inRoom('max');
    expect(before.member).toBe(true);
    await pg.strapi.documents(COMMUNITY).unpublish({ documentId: climbers.documentId });
    await waitFor(() => !stillIssued(before.token));
    expect((await inRoom('max')).member).toBe(false);
  });
});

describe('an entry that goes away', () => {
  it("deleting the entry drops its members' tokens, and their next token has no key for it", async () => {
    const gone = await community('Gone soon', ['ada']);
    const before = await askToken('ada');
    expect(before.roles).toHaveProperty([gone.room.room_role], 'Gone soon');
    await pg.strapi.documents(COMMUNITY).delete({ documentId: gone.documentId });
    await waitFor(() => !stillIssued(before.token));
    const after = await askToken('ada');
    expect(after.roles).not.toHaveProperty([gone.room.room_role]);
    expect(emulator.enter(after.token, gone.room.room_id).allowed).toBe(false);
  });
});

describe('a membership change racing a token issue', () => {
  it('a member removed while their token is being issued is left with no token carrying the room', async () => {
    await createUser('noa', 'authenticated');
    const club = await community('Racing club', ['noa']);
    const jwt = await signInOverHttp(pg.url, 'noa', PASSWORD);
    const generated = () => emulator.requestsTo('token/generate');
    const before = generated().length;
    // The token call is held in iFlyChat until the removal has been written and revoked.
    const release = emulator.hold('token/generate');
    const pending = fetch(`${pg.url}/api/iflychat/token`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${jwt}` },
    });
    await waitFor(() => generated().length > before);
    expect(generated()[before].body.user_roles).toHaveProperty([club.room.room_role]);
    await pg.strapi.documents(COMMUNITY).update({
      documentId: club.documentId,
      data: { members: { disconnect: [{ documentId: users.noa.documentId }] } } as never,
    });
    await pg.strapi.documents(COMMUNITY).publish({ documentId: club.documentId });
    await tokens().idle();
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { token: string } };
    expect(emulator.enter(data.token, club.room.room_id).allowed).toBe(false);
    // The token issued with the room is deleted in iFlyChat: no token of Noa's opens it.
    await waitFor(() =>
      emulator.tokens
        .filter((token) => token.user_id === `strapi-${users.noa.id}`)
        .every((token) => !Object.hasOwn(token.user_roles ?? {}, club.room.room_role))
    );
    expect(emulator.tokens.some((token) => token.key === data.token)).toBe(true);
  });
});

describe('a save of a user in the Content Manager', () => {
  it('keeps their token when nothing it carries changed; a new role still revokes it', async () => {
    const ola = await createUser('ola', 'authenticated');
    await community('Savers', ['ola']);
    const before = await askToken('ola');
    const admin = await adminClient();
    const path = `/content-manager/collection-types/plugin::users-permissions.user/${ola.documentId}`;
    // As the Content Manager saves a user: every relation sent, as empty connect/disconnect lists.
    const unchanged = { connect: [], disconnect: [] };
    const saved = await admin.put(path, {
      email: 'ola.elsewhere@example.com',
      confirmed: true,
      blocked: false,
      role: unchanged,
      communities: unchanged,
    });
    expect(saved.status).toBe(200);
    await tokens().idle();
    expect(stillIssued(before.token)).toBe(true);
    expect((await askToken('ola')).token).toBe(before.token);

    const staff = await roleId(pg.strapi, 'staff');
    const moved = await admin.put(path, {
      role: { connect: [{ id: staff }], disconnect: [] },
      communities: unchanged,
    });
    expect(moved.status).toBe(200);
    await waitFor(() => !stillIssued(before.token));
  });
});

describe('limits and bad input', () => {
  it('past memberRoomsPerToken the rooms left out are named in the log', async () => {
    await community('Cap one', ['kim']);
    await community('Cap two', ['kim']);
    await community('Cap three', ['kim']);
    const kim = await askToken('kim');
    const memberKeys = Object.keys(kim.roles).filter((key) => key.startsWith(MEMBER_ROLE_PREFIX));
    expect(memberKeys).toHaveLength(2);
    expect(kim.roles).toMatchObject({ '2': 'Authenticated' });
    const line = pg.logs.find((entry) => entry.includes(`user ${users.kim.id} may enter more`));
    expect(line).toMatch(/more than 2 members-only rooms/);
    expect(line).toContain('"Cap three" (api::community.community ');
    expect(line).not.toContain(kim.token);
  });

  it('a settings save naming an attribute that is no relation to users is refused with its name', async () => {
    const admin = await adminClient();
    const { data: view } = (await admin.get('/iflychat/settings')).json;
    const {
      apiKey: _k,
      appId: _a,
      appIdValue: _v,
      locked: _l,
      encryptedAtRest: _e,
      ...values
    } = view;
    const group = (members: string) => ({
      ...values,
      contentTypes: {
        ...values.contentTypes,
        'api::group.group': { ...BINDING, roomRole: { members } },
      },
    });
    for (const [members, message] of [
      [
        'audience',
        '"audience" must be a many-to-many or one-to-many relation to plugin::users-permissions.user',
      ],
      ['nosuch', '"nosuch" is not an attribute of api::group.group'],
    ]) {
      const refused = await saveSettings(admin, group(members));
      expect(refused.status).toBe(400);
      expect(refused.json.error.details.errors).toEqual([
        expect.objectContaining({
          path: ['contentTypes', 'api::group.group', 'roomRole', 'members'],
          message,
        }),
      ]);
    }
    const reserved = await saveSettings(admin, {
      ...values,
      roleMap: { ...values.roleMap, public: 'member-1' },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.json.error.details.errors).toEqual([
      expect.objectContaining({
        path: ['roleMap', 'public'],
        message: expect.stringContaining('kept for members-only rooms'),
      }),
    ]);
    // Nothing was saved.
    const after = (await admin.get('/iflychat/settings')).json.data;
    expect(after.contentTypes['api::group.group']).toBeUndefined();
    expect(after.roleMap.public).toBeUndefined();
  });
});
