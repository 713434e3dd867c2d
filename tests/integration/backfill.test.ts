/**
 * Entries published before a content type was bound get rooms only through "Create rooms for
 * existing entries"; a publish whose mark was never written is found by the audit.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  createAdminUser,
  loginAs,
  linkRows,
  roleId,
  settle,
  waitFor,
  saveSettings,
  type Playground,
} from '../helpers/playground';

const EXISTING = 30;

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

const binding = {
  roomName: 'Existing {name}',
  roomIdField: 'roomId',
  roomRole: { role: 'authenticated' },
  private: false,
  moderate: false,
};

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: {
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      roleMap: { authenticated: '2' },
    },
    listen: true,
  });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

const sync = () => pg.strapi.plugin('iflychat').service('sync');

it('publishing while unbound creates nothing; binding later does not reach back by itself', async () => {
  const audience = await roleId(pg.strapi, 'authenticated');
  for (let i = 0; i < EXISTING; i += 1) {
    await pg.strapi
      .documents(COMMUNITY)
      .create({ data: { name: `Old ${i}`, audience } as never, status: 'published' });
  }
  await settle(pg.strapi);
  expect(await linkRows(pg.strapi)).toEqual([]);

  const saved = await saveSettings(admin, {
    apiVersion: '1.1',
    baseUrl: emulator.url,
    roleMap: {},
    contentTypes: { [COMMUNITY]: binding },
  });
  expect(saved.status).toBe(200);
  // Two audit ticks: the first notes when the binding appeared, the second looks again.
  expect(await sync().audit()).toBe(0);
  expect(await sync().audit()).toBe(0);
  await settle(pg.strapi);
  expect(emulator.rooms).toHaveLength(0);
});

it('"Create rooms for existing entries" reports progress and is idempotent', async () => {
  const before = await admin.get(`/iflychat/backfill?uid=${encodeURIComponent(COMMUNITY)}`);
  expect(before.status).toBe(200);
  expect(before.json.data).toEqual({
    uid: COMMUNITY,
    total: EXISTING,
    done: 0,
    failed: 0,
    remaining: EXISTING,
  });

  const started = await admin.post('/iflychat/backfill', { uid: COMMUNITY });
  expect(started.status).toBe(202);
  await waitFor(async () => {
    const progress = await admin.get(`/iflychat/backfill?uid=${encodeURIComponent(COMMUNITY)}`);
    return progress.json.data.remaining === 0 ? progress : null;
  }, 30_000);
  const after = await admin.get(`/iflychat/backfill?uid=${encodeURIComponent(COMMUNITY)}`);
  expect(after.json.data).toEqual({
    uid: COMMUNITY,
    total: EXISTING,
    done: EXISTING,
    failed: 0,
    remaining: 0,
  });
  expect(emulator.rooms).toHaveLength(EXISTING);
  expect(emulator.rooms[0].room_name).toMatch(/^Existing Old \d+$/);

  const again = await admin.post('/iflychat/backfill', { uid: COMMUNITY });
  expect(again.status).toBe(202);
  await sync().backfillsDone();
  await settle(pg.strapi);
  expect(emulator.requestsTo('/room/create')).toHaveLength(EXISTING);
  expect(await linkRows(pg.strapi)).toHaveLength(EXISTING);
});

it('names what is wrong with a backfill request, and needs rooms.manage', async () => {
  const unbound = await admin.post('/iflychat/backfill', { uid: 'api::group.group' });
  expect(unbound.status).toBe(400);
  expect(unbound.json.error.details.errors).toEqual([
    expect.objectContaining({
      path: ['uid'],
      message: 'api::group.group is not bound to iFlyChat: save its binding first',
    }),
  ]);
  const missing = await admin.post('/iflychat/backfill', {});
  expect(missing.status).toBe(400);
  expect(missing.json.error.details.errors[0].path).toEqual(['uid']);

  const role = await pg.strapi
    .service('admin::role')
    .create({ name: 'Settings only', description: 'No rooms.manage' });
  await pg.strapi
    .service('admin::role')
    .assignPermissions(role.id, [
      { action: 'plugin::iflychat.settings.read' },
      { action: 'plugin::iflychat.settings.update' },
    ]);
  const limited = await loginAs(
    pg,
    await createAdminUser(pg, 'settings-only@example.com', [role.id])
  );
  expect((await limited.post('/iflychat/backfill', { uid: COMMUNITY })).status).toBe(403);
  expect(
    (await limited.get(`/iflychat/backfill?uid=${encodeURIComponent(COMMUNITY)}`)).status
  ).toBe(403);
});

it('the audit finds a publish whose mark was never written', async () => {
  // A published entry written behind the Document Service's back, as if the process had died
  // between the commit and the after-commit hook.
  const now = new Date();
  const row = await pg.strapi.db.query(COMMUNITY).create({
    data: { name: 'Missed', publishedAt: now, createdAt: now, updatedAt: now },
  });
  await pg.strapi.db.query(COMMUNITY).create({
    data: {
      documentId: row.documentId,
      name: 'Missed',
      publishedAt: null,
      createdAt: now,
      updatedAt: now,
    },
  });
  expect(await sync().audit()).toBe(1);
  await settle(pg.strapi);
  const link = (await linkRows(pg.strapi)).find((r) => r.entryDocumentId === row.documentId);
  expect(link?.status).toBe('created');
  expect(emulator.rooms.some((room) => room.room_name === 'Existing Missed')).toBe(true);
  expect(await sync().audit()).toBe(0);
});
