/**
 * The room name preview boundary, written as the attack: someone with only `settings.read`
 * uses "preview" to read what they could not see in the Content Manager — a private attribute,
 * a relation, an unpublished draft, another editor's entry, a field their role hides. The
 * preview renders only what a room name may hold, from published entries, for users who may
 * read that type (and those fields, and that entry) in the Content Manager.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  createAdminUser,
  GROUP,
  loginAs,
  playgroundConfig,
  saveSettings,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

const preview = (client: typeof admin, roomName: string, uid = GROUP) =>
  client.post('/iflychat/preview-room-name', { uid, roomName });

async function roleWith(name: string, permissions: unknown[]) {
  const role = (await pg.strapi.service('admin::role').create({
    name,
    description: name,
  })) as { id: number };
  await pg.strapi
    .service('admin::role')
    .assignPermissions(role.id, [
      { action: 'plugin::iflychat.settings.read', subject: null },
      ...permissions,
    ]);
  return role.id;
}

async function group(
  name: string,
  { publish = true, createdBy }: { publish?: boolean; createdBy?: number } = {}
) {
  const documents = pg.strapi.documents(GROUP);
  const doc = await documents.create({ data: { name, inviteCode: `SECRET-${name}` } as never });
  if (createdBy) {
    await pg.strapi.db
      .query(GROUP)
      .updateMany({ where: { documentId: doc.documentId }, data: { createdBy } });
  }
  if (publish) await documents.publish({ documentId: doc.documentId });
  return doc.documentId;
}

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({ listen: true, pluginConfig: playgroundConfig(emulator) });
  admin = await adminSession(pg);
  await group('Published group');
  // The newest entry is a draft that was never published.
  await group('Unreleased plan', { publish: false });
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

it('renders the latest published entry, never a draft', async () => {
  const response = await preview(admin, 'Room: {name}');
  expect(response.status).toBe(200);
  expect(response.json.data.preview).toBe('Room: Published group');
  expect(response.text).not.toContain('Unreleased');
});

it.each([
  ['{inviteCode}', 'is a private attribute'],
  ['{audience}', 'has no text form'],
  ['{createdBy}', 'is a private attribute'],
  ['{isPrivate}', 'has no text form'],
  ['{constructor}', 'is not an attribute'],
  ['{__proto__}', 'is not an attribute'],
])('refuses %s with a 400 naming roomName', async (roomName, message) => {
  const response = await preview(admin, roomName);
  expect(response.status).toBe(400);
  expect(response.json.error.details.errors[0]).toMatchObject({
    path: ['roomName'],
    message: expect.stringContaining(message),
  });
  expect(response.text).not.toContain('SECRET-');
});

it('the settings page does not offer a private attribute for room names', async () => {
  const types = (await admin.get('/iflychat/content-types')).json.data as Array<{
    uid: string;
    nameFields: string[];
  }>;
  expect(types.find((type) => type.uid === GROUP)?.nameFields).toEqual([
    'name',
    'description',
    'roomId',
  ]);
});

it('a binding cannot put a private attribute in room names either', async () => {
  const response = await saveSettings(admin, {
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 2000,
    concurrency: 4,
    maxAttempts: 8,
    roleMap: {},
    contentTypes: { [GROUP]: { roomName: '{name} {inviteCode}', roomIdField: 'roomId' } },
  });
  expect(response.status).toBe(400);
  expect(response.json.error.details.errors[0]).toMatchObject({
    path: ['contentTypes', GROUP, 'roomName'],
    message: '{inviteCode} is a private attribute',
  });
});

it('settings.read without Content Manager read on the type: 403', async () => {
  const reader = await loginAs(
    pg,
    await createAdminUser(pg, 'preview-reader@example.com', [await roleWith('Settings reader', [])])
  );
  const response = await preview(reader, '{name}');
  expect(response.status).toBe(403);
  expect(response.text).not.toContain('Published group');
});

it('Content Manager read on other fields only: 403 for a field the role hides', async () => {
  const role = await roleWith('Description reader', [
    {
      action: 'plugin::content-manager.explorer.read',
      subject: GROUP,
      properties: { fields: ['description'] },
    },
  ]);
  const reader = await loginAs(pg, await createAdminUser(pg, 'preview-fields@example.com', [role]));
  expect((await preview(reader, '{name}')).status).toBe(403);
  const allowed = await preview(reader, 'About {description}');
  expect(allowed.status).toBe(200);
});

it('"own entries" only: the preview uses the newest published entry the user created', async () => {
  const role = await roleWith('Own groups', [
    {
      action: 'plugin::content-manager.explorer.read',
      subject: GROUP,
      properties: { fields: ['name'] },
      conditions: ['admin::is-creator'],
    },
  ]);
  const credentials = await createAdminUser(pg, 'preview-own@example.com', [role]);
  const user = await pg.strapi.db
    .query('admin::user')
    .findOne({ where: { email: credentials.email } });
  const owner = await loginAs(pg, credentials);

  const none = await preview(owner, '{name}');
  expect(none.status).toBe(200);
  expect(none.json.data).toEqual({ preview: null, documentId: null });

  const mine = await group('My own group', { createdBy: user.id as number });
  await group('Someone else, newer');
  const response = await preview(owner, '{name}');
  expect(response.json.data).toEqual({ preview: 'My own group', documentId: mine });
});
