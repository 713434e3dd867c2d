/**
 * Chat per entry: a binding's `enabled: { field }` reads a boolean attribute of the entry. An
 * entry whose field is false has no room, as if it were unpublished: switching it off applies the
 * binding's `onUnpublish` policy (the room deleted, or kept), switching it on gives it a room, an
 * empty field counts as on, and the room panel says the chat is off. Real Strapi, SQLite, the
 * emulator over HTTP.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  entryRows,
  GROUP,
  playgroundConfig,
  settle,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
  // The binding is saved from the settings page (not the file), so that a test can change it.
  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, { contentTypes: {} }),
  });
  admin = await adminSession(pg);
  await bind('delete');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

/** Saves the Group binding with a chat switch and the given unpublish policy. */
async function bind(onUnpublish: 'keep' | 'delete') {
  const {
    apiKey: _k,
    appId: _a,
    appIdValue: _v,
    locked: _l,
    encryptedAtRest: _e,
    ...values
  } = (await admin.get('/iflychat/settings')).json.data;
  const binding = {
    roomName: '{name}',
    roomIdField: 'roomId',
    enabled: { field: 'hasChat' },
    onUnpublish,
  };
  const saved = await admin.put('/iflychat/settings', {
    ...values,
    contentTypes: { [GROUP]: binding },
  });
  expect(saved.status).toBe(200);
  expect(saved.json.data.contentTypes[GROUP]).toMatchObject(binding);
}

async function group(name: string, hasChat: boolean | null) {
  const documents = pg.strapi.documents(GROUP);
  const doc = await documents.create({ data: { name, hasChat } as never });
  await documents.publish({ documentId: doc.documentId });
  await settle(pg.strapi);
  return doc.documentId;
}

async function switchChat(documentId: string, hasChat: boolean) {
  const documents = pg.strapi.documents(GROUP);
  await documents.update({ documentId, data: { hasChat } as never });
  await documents.publish({ documentId });
  await settle(pg.strapi);
}

const roomOf = async (documentId: string) => {
  const ids = new Set((await entryRows(pg.strapi, GROUP, documentId)).map((row) => row.roomId));
  expect(ids.size).toBe(1);
  const [id] = ids;
  return id === null ? null : String(id);
};
const panel = async (documentId: string) => {
  const response = await admin.get(
    `/iflychat/rooms?uid=${encodeURIComponent(GROUP)}&documentId=${documentId}`
  );
  expect(response.status).toBe(200);
  return response.json.data;
};
const created = (name: string) =>
  emulator.requestsTo('room/create').filter((request) => request.body.room_name === name);

describe('an entry whose chat field is false', () => {
  it('gets no room, and the panel says its chat is off', async () => {
    const documentId = await group('Quiet group', false);
    expect(created('Quiet group')).toHaveLength(0);
    expect(await roomOf(documentId)).toBeNull();
    expect(await panel(documentId)).toMatchObject({ published: true, chatOff: true, link: null });

    const retry = await admin.post('/iflychat/rooms/retry', { uid: GROUP, documentId });
    expect(retry.status).toBe(400);
    expect(retry.json.error.details.errors[0]).toMatchObject({
      path: ['documentId'],
      message: expect.stringContaining('chat is off'),
    });
    await settle(pg.strapi);
    expect(created('Quiet group')).toHaveLength(0);
  });

  it('gets a room when switched on, and loses it when switched off (onUnpublish: delete)', async () => {
    const documentId = await group('Switched group', false);
    await switchChat(documentId, true);
    const roomId = await roomOf(documentId);
    expect(roomId).not.toBeNull();
    expect(created('Switched group')).toHaveLength(1);
    expect(await panel(documentId)).toMatchObject({
      chatOff: false,
      link: { status: 'created', roomId },
    });

    await switchChat(documentId, false);
    expect(emulator.requestsTo(`/room/${roomId}/delete`)).toHaveLength(1);
    expect(emulator.rooms.some((room) => String(room.room_id) === roomId)).toBe(false);
    expect(await roomOf(documentId)).toBeNull();
    expect(await panel(documentId)).toMatchObject({ chatOff: true, link: null });
  });

  it('an empty field counts as on: entries made before the field keep their rooms', async () => {
    const documentId = await group('Older group', null);
    expect(await roomOf(documentId)).not.toBeNull();
    expect(await panel(documentId)).toMatchObject({ chatOff: false });
  });

  it('under onUnpublish: keep, switching off keeps the room and its id', async () => {
    const documentId = await group('Kept group', true);
    const roomId = await roomOf(documentId);
    await bind('keep');

    await switchChat(documentId, false);
    expect(emulator.requestsTo(`/room/${roomId}/delete`)).toHaveLength(0);
    expect(await roomOf(documentId)).toBe(roomId);
    expect(await panel(documentId)).toMatchObject({ chatOff: true, link: { roomId } });

    // Switched on again: the same room, no second one.
    await switchChat(documentId, true);
    expect(await roomOf(documentId)).toBe(roomId);
    expect(created('Kept group')).toHaveLength(1);
    await bind('delete');
  });
});
