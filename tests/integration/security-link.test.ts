/**
 * The room panel's Link, written as the attack: an Author with `rooms.manage` on her own entries
 * tries to take over rooms her entry never had — a deleted entry's room (kept in iFlyChat by the
 * default `onDelete: 'keep'`), a room another entry unlinked, a room made outside Strapi — and
 * to learn from the answers which room ids exist and whose they are. Only an administrator with
 * `rooms.link-any` may link a room an entry never had; every entry may link its own room again.
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
  type Playground,
} from '../helpers/playground';

const READ = 'plugin::content-manager.explorer.read';
const UPDATE = 'plugin::content-manager.explorer.update';
const PUBLISH = 'plugin::content-manager.explorer.publish';
const MANAGE = 'plugin::iflychat.rooms.manage';
const LINK_ANY = 'plugin::iflychat.rooms.link-any';
const FIELDS = ['name', 'description', 'audience', 'isPrivate', 'isModerated', 'roomId'];
const OUTSIDE = {
  room_id: 7001,
  room_name: 'Board members only',
  room_role: '2',
  room_private: '1',
  room_moderate: '0',
};

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let author: Awaited<ReturnType<typeof loginAs>>;
let authorId: number;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator({ rooms: [OUTSIDE] }).start();
  pg = await bootPlayground({ listen: true, pluginConfig: playgroundConfig(emulator) });
  admin = await adminSession(pg);
  audience = await roleId(pg.strapi, 'authenticated');
  const role = (await pg.strapi.service('admin::role').create({
    name: 'Room author',
    description: 'own communities and their rooms',
  })) as { id: number };
  const own = {
    subject: COMMUNITY,
    properties: { fields: FIELDS },
    conditions: ['admin::is-creator'],
  };
  await pg.strapi.service('admin::role').assignPermissions(role.id, [
    { action: MANAGE, subject: null },
    { action: READ, ...own },
    { action: UPDATE, ...own },
    { action: PUBLISH, subject: COMMUNITY, conditions: ['admin::is-creator'] },
  ]);
  author = await loginAs(pg, await createAdminUser(pg, 'author@example.com', [role.id]));
  const user = await pg.strapi.db
    .query('admin::user')
    .findOne({ where: { email: 'author@example.com' } });
  authorId = user.id as number;
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

async function community(name: string, createdBy?: number) {
  const documents = pg.strapi.documents(COMMUNITY);
  const doc = await documents.create({ data: { name, audience } as never });
  if (createdBy) {
    await pg.strapi.db
      .query(COMMUNITY)
      .updateMany({ where: { documentId: doc.documentId }, data: { createdBy } });
  }
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

const roomOf = async (documentId: string) => {
  const value = (await entryRows(pg.strapi, COMMUNITY, documentId))[0].roomId;
  return value === null ? null : String(value);
};
const link = (client: typeof admin, documentId: string, roomId: string | number) =>
  client.post('/iflychat/rooms/link', { uid: COMMUNITY, documentId, roomId });
const unlink = (client: typeof admin, documentId: string) =>
  client.post('/iflychat/rooms/unlink', { uid: COMMUNITY, documentId });
/** The field error of a 400, as `{ path, message }`. */
const reason = (response: { json: any }) => {
  const error = response.json?.error?.details?.errors?.[0] as
    { path: string[]; message: string } | undefined;
  return error && { path: error.path, message: error.message };
};
const refusal = (roomId: string | number) => ({
  path: ['roomId'],
  message: `room ${roomId} is not a room this entry has had; linking any other room needs the "Link any room to an entry" permission`,
});

describe('an Author links rooms her entry never had', () => {
  it("a deleted entry's room: refused, the room untouched, nothing about it in the answer", async () => {
    const gone = await community('Private board');
    const roomId = (await roomOf(gone))!;
    await pg.strapi.documents(COMMUNITY).delete({ documentId: gone });
    await settle(pg.strapi);
    expect(emulator.rooms.some((room) => String(room.room_id) === roomId)).toBe(true);

    const mine = await community('My open community', authorId);
    const myRoom = await roomOf(mine);
    const calls = emulator.requests.length;
    const taken = await link(author, mine, roomId);
    const unknown = await link(author, mine, 999_999);

    expect([taken.status, unknown.status]).toEqual([400, 400]);
    expect(reason(taken)).toEqual(refusal(roomId));
    // An unknown room answers the same words: room ids cannot be enumerated.
    expect(reason(unknown)).toEqual(refusal(999_999));
    expect(taken.text).not.toContain('Private board');
    expect(taken.text).not.toContain(gone);
    // Nothing was asked of iFlyChat, nothing changed on the entry or in the room.
    expect(emulator.requests.length).toBe(calls);
    expect(await roomOf(mine)).toBe(myRoom);
    await settle(pg.strapi);
    expect(emulator.requestsTo(`/room/${roomId}/`)).toHaveLength(0);
  });

  it("another entry's unlinked room and a room made outside Strapi: refused alike", async () => {
    const other = await community('Unlinked by its editor');
    const unlinkedRoom = (await roomOf(other))!;
    expect((await unlink(admin, other)).status).toBe(200);
    const mine = await community('Mine again', authorId);

    for (const roomId of [unlinkedRoom, OUTSIDE.room_id]) {
      const response = await link(author, mine, roomId);
      expect([roomId, response.status]).toEqual([roomId, 400]);
      expect(reason(response)).toEqual(refusal(roomId));
      expect(response.text).not.toContain(OUTSIDE.room_name);
      expect(response.text).not.toContain('Unlinked by its editor');
    }
    expect(await roomOf(mine)).not.toBe(unlinkedRoom);
  });

  it('her own entry may link its own room again after an unlink', async () => {
    const mine = await community('Relink mine', authorId);
    const roomId = (await roomOf(mine))!;
    expect((await unlink(author, mine)).status).toBe(200);
    expect(await roomOf(mine)).toBeNull();

    const again = await link(author, mine, roomId);
    expect(again.status).toBe(200);
    expect(again.json.data.link).toMatchObject({ roomId, roomName: 'Relink mine' });
    expect(await roomOf(mine)).toBe(roomId);
  });
});

describe('an administrator with "Link any room to an entry"', () => {
  it('the Super Admin holds it; the Editor and Author roles do not', async () => {
    const holders = (await pg.strapi.db
      .query('admin::permission')
      .findMany({ where: { action: LINK_ANY }, populate: ['role'] })) as Array<{
      role: { code: string } | null;
    }>;
    expect(holders.map((permission) => permission.role?.code)).toEqual(['strapi-super-admin']);
  });

  it("links a deleted entry's room and a room made outside Strapi; never a room another entry has", async () => {
    const gone = await community('Archived community');
    const orphan = (await roomOf(gone))!;
    await pg.strapi.documents(COMMUNITY).delete({ documentId: gone });
    await settle(pg.strapi);
    const target = await community('Takes the archive over');
    await unlink(admin, target);

    const adopted = await link(admin, target, orphan);
    expect(adopted.status).toBe(200);
    expect(await roomOf(target)).toBe(orphan);

    const outside = await community('Takes the outside room');
    expect((await link(admin, outside, OUTSIDE.room_id)).status).toBe(200);
    expect(await roomOf(outside)).toBe(String(OUTSIDE.room_id));

    // The room is the new entry's now: the Author cannot take it, nor can the admin for another.
    const held = await link(admin, await community('Wants it too'), orphan);
    expect(held.status).toBe(400);
    expect(reason(held)).toEqual({
      path: ['roomId'],
      message: `room ${orphan} is another entry's room`,
    });
    expect(held.text).not.toContain('Takes the archive over');
    expect(held.text).not.toContain(target);
  });
});
