/**
 * The role boundary, written as the attack: an editor types `constructor`, `toString`,
 * `hasOwnProperty` or `__proto__` into the field a binding reads the room's role from, hoping
 * the room is made with no `room_role` (API 1.1: open to everyone) or with a function's text
 * (API 1.0). Each such entry fails with "no iFlyChat role id", and iFlyChat is never asked.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  bootPlayground,
  COMMUNITY,
  linkRows,
  playgroundConfig,
  settle,
  type Playground,
} from '../helpers/playground';

const NAMES = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];

describe.each(['1.1', '1.0'] as const)('API %s', (apiVersion) => {
  let emulator: Emulator;
  let pg: Playground;

  beforeAll(async () => {
    emulator = await createEmulator().start();
    const config = playgroundConfig(emulator, { apiVersion });
    pg = await bootPlayground({
      pluginConfig: {
        ...config,
        // The role is read from a string attribute an editor types freely.
        contentTypes: {
          [COMMUNITY]: {
            ...config.contentTypes[COMMUNITY],
            roomName: 'Room {documentId}',
            roomRole: { field: 'name' },
          },
        },
      },
    });
  });

  afterAll(async () => {
    await pg?.close();
    await emulator?.stop();
  });

  it('a role field naming an Object.prototype member never makes a room', async () => {
    const documents = pg.strapi.documents(COMMUNITY);
    const ids: string[] = [];
    for (const name of NAMES) {
      const doc = await documents.create({ data: { name } as never });
      await documents.publish({ documentId: doc.documentId });
      ids.push(doc.documentId);
    }
    await settle(pg.strapi);

    expect(emulator.requestsTo('/room/create')).toEqual([]);
    const links = await linkRows(pg.strapi);
    for (const [index, documentId] of ids.entries()) {
      const link = links.find((row) => row.entryDocumentId === documentId);
      expect([documentId, link?.status, link?.lastError]).toEqual([
        documentId,
        'failed',
        `the role "${NAMES[index]}" has no iFlyChat role id in roleMap`,
      ]);
    }
  });

  it('a mapped role still works', async () => {
    const doc = await pg.strapi
      .documents(COMMUNITY)
      .create({ data: { name: 'authenticated' } as never });
    await pg.strapi.documents(COMMUNITY).publish({ documentId: doc.documentId });
    await settle(pg.strapi);
    const [create] = emulator.requestsTo('/room/create');
    expect(create.body).toMatchObject({ room_role: '2' });
  });
});
