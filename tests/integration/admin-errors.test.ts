/**
 * Every admin route answers errors the way Strapi does — `{ data: null, error: { status, name,
 * message, details } }` from Strapi's own error classes — so the admin shows them through its
 * error handler like any other: 400 naming the field, 403, 404 for an entry that does not exist,
 * 409 while a job holds the room or when a save is stale. Never a 500 for a bad name.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  loginAs,
  playgroundConfig,
  roleId,
  waitFor,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({ listen: true, pluginConfig: playgroundConfig(emulator) });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

/** A Strapi error body, as its error middleware writes it. */
function expectStrapiError(
  response: { status: number; json: any },
  status: number,
  name: string
): void {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({
    data: null,
    error: expect.objectContaining({ status, name, message: expect.any(String) }),
  });
  expect(response.json.error.message.length).toBeGreaterThan(0);
}

describe('400', () => {
  it('names the field, on every kind of route', async () => {
    const settings = await admin.put('/iflychat/settings', { apiVersion: '9' });
    expectStrapiError(settings, 400, 'ValidationError');
    expect(settings.json.error.details.errors.length).toBeGreaterThan(0);

    const rooms = await admin.get('/iflychat/rooms?documentId=abc');
    expectStrapiError(rooms, 400, 'ValidationError');
    expect(rooms.json.error.details.errors[0].path).toEqual(['uid']);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a uid named "%s" is a 400, not a 500',
    async (uid) => {
      const backfill = await admin.get(`/iflychat/backfill?uid=${uid}`);
      expectStrapiError(backfill, 400, 'ValidationError');
      expect(backfill.json.error.details.errors[0].path).toEqual(['uid']);
      const start = await admin.post('/iflychat/backfill', { uid });
      expectStrapiError(start, 400, 'ValidationError');
      const preview = await admin.post('/iflychat/preview-room-name', { uid, roomName: '{name}' });
      expectStrapiError(preview, 400, 'ValidationError');
      expect(preview.json.error.details.errors[0].path).toEqual(['uid']);
    }
  );
});

describe('403', () => {
  it('a user without the permission gets ForbiddenError / PolicyError bodies', async () => {
    const role = (await pg.strapi.service('admin::role').create({
      name: 'Nothing at all',
      description: 'no permissions',
    })) as { id: number };
    const outsider = await loginAs(
      pg,
      await createAdminUser(pg, 'errors-outsider@example.com', [role.id])
    );
    const doc = await pg.strapi.documents(COMMUNITY).create({ data: { name: 'x' } as never });
    const room = await outsider.get(
      `/iflychat/rooms?uid=${COMMUNITY}&documentId=${doc.documentId}`
    );
    expectStrapiError(room, 403, 'ForbiddenError');
    const settings = await outsider.get('/iflychat/settings');
    expectStrapiError(settings, 403, 'PolicyError');
  });
});

describe('404', () => {
  it('an entry that does not exist, for the panel and each of its actions', async () => {
    const documentId = 'nosuchdocument0000000000';
    const find = await admin.get(`/iflychat/rooms?uid=${COMMUNITY}&documentId=${documentId}`);
    expectStrapiError(find, 404, 'NotFoundError');
    expect(find.json.error.message).toContain(documentId);
    for (const action of ['retry', 'unlink', 'recreate']) {
      const response = await admin.post(`/iflychat/rooms/${action}`, {
        uid: COMMUNITY,
        documentId,
      });
      expectStrapiError(response, 404, 'NotFoundError');
    }
    const link = await admin.post('/iflychat/rooms/link', {
      uid: COMMUNITY,
      documentId,
      roomId: '5',
    });
    expectStrapiError(link, 404, 'NotFoundError');
  });

  it('a content type that does not exist', async () => {
    const response = await admin.get('/iflychat/rooms?uid=api::nope.nope&documentId=abc');
    expectStrapiError(response, 404, 'NotFoundError');
  });
});

describe('409', () => {
  it('an action on a room whose job is running', async () => {
    const release = emulator.hold('room/create');
    try {
      const audience = await roleId(pg.strapi, 'authenticated');
      const documents = pg.strapi.documents(COMMUNITY);
      const before = emulator.requestsTo('room/create').length;
      const doc = await documents.create({ data: { name: 'Busy', audience } as never });
      await documents.publish({ documentId: doc.documentId });
      const path = `/iflychat/rooms?uid=${COMMUNITY}&documentId=${doc.documentId}`;
      await waitFor(
        async () =>
          (await admin.get(path)).json.data.link?.status === 'processing' &&
          emulator.requestsTo('room/create').length > before
      );
      const response = await admin.post('/iflychat/rooms/unlink', {
        uid: COMMUNITY,
        documentId: doc.documentId,
      });
      expectStrapiError(response, 409, 'ConflictError');
      expect(response.json.error.message).toContain('being worked on');
    } finally {
      release();
    }
  });
});
