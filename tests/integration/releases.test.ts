/**
 * Entries published by a Content Release, at once or on a schedule, get rooms like any other
 * publish (and an unpublish in a release follows the binding's policy).
 *
 * Strapi registers the Releases services only under a license that includes the
 * `cms-content-releases` feature; its content types exist either way. The test builds Strapi's
 * own release and scheduling services from @strapi/content-releases over the real Strapi, so
 * the publishing runs through exactly the code a licensed site runs: one transaction around
 * every action of the release, and a cron job at the scheduled time.
 */
import path from 'node:path';

import type { Core } from '@strapi/strapi';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  bootPlayground,
  COMMUNITY,
  entryRows,
  GROUP,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

const RELEASE = 'plugin::content-releases.release';
const RELEASE_ACTION = 'plugin::content-releases.release-action';

interface ReleaseService {
  publish(releaseId: number): Promise<unknown>;
}
interface SchedulingService {
  set(releaseId: number, date: Date): Promise<unknown>;
  cancel(releaseId: number): unknown;
}

/** Strapi's own Releases services (see the file comment). */
function releasesServices(strapi: Core.Strapi) {
  const services = path.join(
    path.dirname(require.resolve('@strapi/content-releases/package.json')),
    'dist',
    'server',
    'services'
  );
  /* eslint-disable @typescript-eslint/no-require-imports */
  const createRelease = require(path.join(services, 'release.js')) as (deps: {
    strapi: Core.Strapi;
  }) => ReleaseService;
  const createScheduling = require(path.join(services, 'scheduling.js')) as (deps: {
    strapi: Core.Strapi;
  }) => SchedulingService;
  const createReleaseAction = require(path.join(services, 'release-action.js')) as (deps: {
    strapi: Core.Strapi;
  }) => unknown;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const release = createRelease({ strapi });
  // The services look each other up by uid, as on a licensed site.
  const registry = strapi.get<{ set(uid: string, service: unknown): void }>('services');
  registry.set('plugin::content-releases.release', release);
  registry.set('plugin::content-releases.release-action', createReleaseAction({ strapi }));
  return { release, scheduling: createScheduling({ strapi }) };
}

let emulator: Emulator;
let pg: Playground;
let services: ReturnType<typeof releasesServices>;
let audience: number;

const BOUND = {
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: { field: 'audience' },
};

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, {
      contentTypes: {
        [COMMUNITY]: BOUND,
        [GROUP]: { ...BOUND, onUnpublish: 'delete' },
      },
    }),
  });
  services = releasesServices(pg.strapi);
  audience = await roleId(pg.strapi, 'authenticated');
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

async function draft(uid: string, name: string) {
  const doc = await pg.strapi
    .documents(uid as typeof COMMUNITY)
    .create({ data: { name, audience } as never });
  return doc.documentId;
}

/** A release holding these actions, written as the Releases admin API writes them. */
async function release(
  name: string,
  actions: Array<{ type: 'publish' | 'unpublish'; uid: string; documentId: string }>
) {
  const created = (await pg.strapi.db.query(RELEASE).create({
    data: { name, status: 'ready', releasedAt: null },
  })) as { id: number };
  for (const action of actions) {
    await pg.strapi.db.query(RELEASE_ACTION).create({
      data: {
        type: action.type,
        contentType: action.uid,
        entryDocumentId: action.documentId,
        locale: null,
        isEntryValid: true,
        release: created.id,
      },
    });
  }
  return created.id;
}

async function roomIdOf(uid: string, documentId: string) {
  const rows = await entryRows(pg.strapi, uid, documentId);
  const ids = new Set(rows.map((row) => (row.roomId ? String(row.roomId) : null)));
  return ids.size === 1 ? [...ids][0] : `mixed: ${[...ids].join(',')}`;
}

it('publishing a release creates one room per entry, and its unpublish follows the policy', async () => {
  const first = await draft(COMMUNITY, 'Release one');
  const second = await draft(COMMUNITY, 'Release two');
  const leaving = await draft(GROUP, 'Release leaver');
  await pg.strapi.documents(GROUP).publish({ documentId: leaving });
  await settle(pg.strapi);
  const leavingRoom = await roomIdOf(GROUP, leaving);
  expect(leavingRoom).toMatch(/^\d+$/);

  const id = await release('Spring launch', [
    { type: 'publish', uid: COMMUNITY, documentId: first },
    { type: 'publish', uid: COMMUNITY, documentId: second },
    { type: 'unpublish', uid: GROUP, documentId: leaving },
  ]);
  await services.release.publish(id);
  await settle(pg.strapi);

  const done = (await pg.strapi.db.query(RELEASE).findOne({ where: { id } })) as {
    status: string;
  };
  expect(done.status).toBe('done');
  for (const [documentId, name] of [
    [first, 'Release one'],
    [second, 'Release two'],
  ]) {
    const rooms = emulator.rooms.filter((room) => room.room_name === name);
    expect(rooms).toHaveLength(1);
    expect(await roomIdOf(COMMUNITY, documentId)).toBe(String(rooms[0].room_id));
  }
  expect(emulator.requestsTo(`/room/${leavingRoom}/delete`)).toHaveLength(1);
  expect(await roomIdOf(GROUP, leaving)).toBeNull();
});

it('a release scheduled for later creates the rooms when its time comes', async () => {
  const documentId = await draft(COMMUNITY, 'Scheduled');
  const id = await release('Scheduled release', [{ type: 'publish', uid: COMMUNITY, documentId }]);

  await services.scheduling.set(id, new Date(Date.now() + 1_500));
  expect(emulator.rooms.filter((room) => room.room_name === 'Scheduled')).toHaveLength(0);

  const room = await waitFor(
    () => emulator.rooms.find((candidate) => candidate.room_name === 'Scheduled'),
    15_000
  );
  await waitFor(async () => (await roomIdOf(COMMUNITY, documentId)) === String(room.room_id));
  expect(emulator.rooms.filter((candidate) => candidate.room_name === 'Scheduled')).toHaveLength(1);
  const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
  expect(rows.filter((row) => row.publishedAt)).toHaveLength(1);
});
