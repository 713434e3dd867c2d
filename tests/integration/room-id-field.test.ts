/**
 * The room id field is read-only in the Content Manager for every bound content type, as the
 * Content Manager's own admin API describes the edit view: bound in config/plugins.ts at startup,
 * bound and unbound from the settings page, and given back as it was.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  GROUP,
  playgroundConfig,
  saveSettings,
  type Playground,
} from '../helpers/playground';

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;

beforeAll(async () => {
  emulator = await createEmulator().start();
  // Community is bound in config/plugins.ts; Group is not bound.
  pg = await bootPlayground({ pluginConfig: playgroundConfig(emulator), listen: true });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

/** What the Content Manager's edit view gets for a field of a content type. */
async function editMetadata(uid: string, field: string) {
  const response = await admin.get(`/content-manager/content-types/${uid}/configuration`);
  expect(response.status).toBe(200);
  return response.json.data.contentType.metadatas[field].edit as {
    editable: boolean;
    label: string;
  };
}

function settingsWith(contentTypes: Record<string, unknown>) {
  const file = playgroundConfig(emulator);
  return {
    apiVersion: file.apiVersion,
    baseUrl: file.baseUrl,
    timeoutMs: file.timeoutMs,
    concurrency: 4,
    maxAttempts: 8,
    roleMap: file.roleMap,
    contentTypes: { ...file.contentTypes, ...contentTypes },
  };
}

const groupBinding = {
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: 'everyone',
  private: false,
  moderate: false,
};

it('a type bound in config/plugins.ts has its room id field read-only from startup', async () => {
  await expect(editMetadata(COMMUNITY, 'roomId')).resolves.toMatchObject({
    editable: false,
    label: 'roomId',
  });
  // Its other fields, and unbound types, are untouched.
  await expect(editMetadata(COMMUNITY, 'name')).resolves.toMatchObject({ editable: true });
  await expect(editMetadata(GROUP, 'roomId')).resolves.toMatchObject({ editable: true });
});

it('binding a type on the settings page makes its field read-only; unbinding gives it back', async () => {
  const bound = await saveSettings(admin, settingsWith({ [GROUP]: groupBinding }));
  expect(bound.status).toBe(200);
  await expect(editMetadata(GROUP, 'roomId')).resolves.toMatchObject({ editable: false });

  const unbound = await saveSettings(admin, settingsWith({}));
  expect(unbound.status).toBe(200);
  expect(unbound.json.data.contentTypes).not.toHaveProperty([GROUP]);
  await expect(editMetadata(GROUP, 'roomId')).resolves.toMatchObject({ editable: true });
  await expect(editMetadata(COMMUNITY, 'roomId')).resolves.toMatchObject({ editable: false });
});

it('a field read-only before its binding stays read-only after it', async () => {
  // An admin had made Group's roomId read-only in "Configure the view" (which sends the
  // configuration back without the relations' mainField, as the admin panel does).
  const current = await admin.get(`/content-manager/content-types/${GROUP}/configuration`);
  const { layouts, settings } = current.json.data.contentType;
  const metadatas = current.json.data.contentType.metadatas as Record<
    string,
    { edit: Record<string, unknown>; list: Record<string, unknown> }
  >;
  const sent = Object.fromEntries(
    Object.entries(metadatas).map(([field, { edit, list }]) => {
      const { mainField: _mainField, ...listWithout } = list;
      return [
        field,
        { edit: field === 'roomId' ? { ...edit, editable: false } : edit, list: listWithout },
      ];
    })
  );
  const configured = await admin.put(`/content-manager/content-types/${GROUP}/configuration`, {
    layouts,
    settings,
    metadatas: sent,
  });
  expect(configured.status).toBe(200);
  await expect(editMetadata(GROUP, 'roomId')).resolves.toMatchObject({ editable: false });

  await saveSettings(admin, settingsWith({ [GROUP]: groupBinding }));
  await saveSettings(admin, settingsWith({}));
  await expect(editMetadata(GROUP, 'roomId')).resolves.toMatchObject({ editable: false });
});

it('a settings save that fails validation changes nothing', async () => {
  const refused = await saveSettings(
    admin,
    settingsWith({ [GROUP]: { ...groupBinding, roomIdField: 'isPrivate' } })
  );
  expect(refused.status).toBe(400);
  await expect(editMetadata(GROUP, 'isPrivate')).resolves.toMatchObject({ editable: true });
});
