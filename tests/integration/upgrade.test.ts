/**
 * Existing sites keep their rooms: a database written by version 0.1 (tests/fixtures/db-0.1, its
 * link rows in 0.1's shape: an operation and a status per row) is booted with this version,
 * against an emulator holding the rooms 0.1 left. No room is made again, none is lost, none is
 * left without its row, and the upgrade runs once. Real Strapi, SQLite and HTTP to the emulator.
 */
import fs from 'node:fs';
import path from 'node:path';

import { createEmulator, type Emulator, type Room } from '../emulator/server';
import fixture from '../fixtures/db-0.1/config.json';
import fixtureRooms from '../fixtures/db-0.1/rooms.json';
import {
  bootPlayground,
  COMMUNITY,
  GROUP,
  linkRows,
  PLAYGROUND,
  playgroundConfig,
  settle,
  type Playground,
} from '../helpers/playground';

const FIXTURE_DB = path.join(__dirname, '..', 'fixtures', 'db-0.1', 'data.db');
const CLAIM = 'plugin::iflychat.room-claim';

/** The fixture's entries by name, and the room 0.1 gave each (rooms.json). */
const roomOf = (name: string) => {
  const room = fixtureRooms.find((candidate) => candidate.name === name);
  if (!room) throw new Error(`rooms.json has no room named ${name}`);
  return String(room.id);
};
/** Rooms 0.1 made and recorded, that stay as they are. */
const KEPT = ['Alpha', 'Bravo', 'Charlie', 'Echo', 'Juliet'];

let emulator: Emulator;
let pg: Playground | undefined;
let workDir: string;
let databaseFile: string;
/** The emulator's rooms before the boot: [id, name]. */
let seeded: string[][];

type Row = Record<string, any>;

async function boot(): Promise<Playground> {
  const booted = await bootPlayground({
    pluginConfig: { ...playgroundConfig(emulator), ...fixture.plugin },
    env: { ...fixture.env, DATABASE_FILENAME: databaseFile },
  });
  await settle(booted.strapi);
  return booted;
}

/** Every bound entry's rows (draft and published), by entry name. */
async function entriesByName(strapi: Playground['strapi']) {
  const byName = new Map<string, { uid: string; documentId: string; rows: Row[] }>();
  for (const uid of [COMMUNITY, GROUP]) {
    const rows = (await strapi.db.query(uid).findMany({ orderBy: { id: 'asc' } })) as Row[];
    for (const row of rows) {
      const name = String(row.name);
      const entry = byName.get(name) ?? { uid, documentId: String(row.documentId), rows: [] };
      entry.rows.push(row);
      byName.set(name, entry);
    }
  }
  return byName;
}

async function state(strapi: Playground['strapi']) {
  const entries = await entriesByName(strapi);
  const links = await linkRows(strapi);
  const linkOf = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw new Error(`no entry named ${name}`);
    return links.find((row) => row.entryDocumentId === entry.documentId);
  };
  const entryRoomIds = (name: string) =>
    (entries.get(name)?.rows ?? []).map((row) => (row.roomId === null ? null : String(row.roomId)));
  const claims = (await strapi.db.query(CLAIM).findMany({ orderBy: { id: 'asc' } })) as Row[];
  return { entries, links, linkOf, entryRoomIds, claims };
}

/** The calls that change rooms (creates, edits, deletes), as `op name-or-id`. */
const roomCalls = (from = 0) =>
  emulator.requests
    .slice(from)
    .filter((request) => !request.path.endsWith('/rooms/list'))
    .map((request) => {
      const match = /\/room\/(?:create|([^/]+)\/(edit|delete))$/.exec(request.path);
      if (!match) return request.path;
      const name = request.body.room_name;
      return match[2]
        ? `${match[2]} ${match[1]}`
        : `create ${typeof name === 'string' ? name : ''}`;
    })
    .sort();

const roomExists = (id: string) => emulator.rooms.some((room) => String(room.room_id) === id);

beforeAll(async () => {
  workDir = path.join(PLAYGROUND, '.tmp', 'runs', `upgrade-${process.pid}-${Date.now()}`);
  fs.mkdirSync(workDir, { recursive: true });
  databaseFile = path.join(workDir, 'data.db');
  fs.copyFileSync(FIXTURE_DB, databaseFile);
  const rooms: Room[] = fixtureRooms.map((room) => ({
    room_id: room.id,
    room_name: room.name,
    room_role: room.role,
    room_private: room.private ? '1' : '0',
    room_moderate: room.moderate ? '1' : '0',
  }));
  emulator = await createEmulator({ rooms }).start();
  seeded = emulator.rooms.map((room) => [String(room.room_id), room.room_name]);
  pg = await boot();
}, 120_000);

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('a database written by 0.1, booted with this version', () => {
  it('starts from the rooms 0.1 left, with their ids', () => {
    expect(seeded).toEqual(fixtureRooms.map((room) => [String(room.id), room.name]));
  });

  it('makes exactly the calls the waiting jobs asked for, and no create for a room that exists', () => {
    expect(roomCalls()).toEqual(
      [
        // Delta's Recreate: its old room goes, a new one is made.
        `delete ${roomOf('Delta')}`,
        'create Delta',
        // India's delete (unpublished, its binding deletes on unpublish).
        `delete ${roomOf('India')}`,
      ].sort()
    );
  });

  it('keeps every created room on its row and its entry', async () => {
    const { linkOf, entryRoomIds } = await state(pg!.strapi);
    for (const name of KEPT) {
      const link = linkOf(name);
      expect({ name, status: link?.status, roomId: link?.roomId }).toEqual({
        name,
        status: 'created',
        roomId: roomOf(name),
      });
      expect(entryRoomIds(name)).toEqual([roomOf(name), roomOf(name)]);
      expect(roomExists(roomOf(name))).toBe(true);
    }
  });

  it('Echo, whose 0.1 job was running when its worker died, is left as it was', async () => {
    const { linkOf } = await state(pg!.strapi);
    const echo = linkOf('Echo');
    expect(echo?.leaseUntilMs).toBeNull();
    expect(echo?.claimToken).toBeNull();
    expect(roomCalls().filter((call) => call.endsWith(` ${roomOf('Echo')}`))).toEqual([]);
  });

  it("Delta's Recreate deleted its old room and made a new one", async () => {
    const { linkOf, entryRoomIds } = await state(pg!.strapi);
    const delta = linkOf('Delta');
    const oldRoom = roomOf('Delta');
    expect(roomExists(oldRoom)).toBe(false);
    expect(delta?.status).toBe('created');
    expect(delta?.retireRoomId).toBeNull();
    expect(delta?.roomId).not.toBe(oldRoom);
    const made = emulator.rooms.find((room) => String(room.room_id) === delta?.roomId);
    expect(made).toMatchObject({
      room_name: 'Delta',
      room_role: '2',
      room_private: '0',
      room_moderate: '0',
    });
    expect(entryRoomIds('Delta')).toEqual([delta?.roomId, delta?.roomId]);
  });

  it("India's pending delete deleted its room; its row is gone", async () => {
    const { linkOf, entryRoomIds } = await state(pg!.strapi);
    expect(roomExists(roomOf('India'))).toBe(false);
    expect(linkOf('India')).toBeUndefined();
    // Only its draft is left: it no longer carries the deleted room's id.
    expect(entryRoomIds('India')).toEqual([null]);
  });

  it("Hotel's lost answer: the room iFlyChat made is adopted, none is created", async () => {
    const { linkOf, entryRoomIds } = await state(pg!.strapi);
    const hotel = linkOf('Hotel');
    expect(hotel).toMatchObject({ status: 'created', roomId: roomOf('Hotel'), intent: null });
    expect(entryRoomIds('Hotel')).toEqual([roomOf('Hotel'), roomOf('Hotel')]);
    expect(roomCalls().filter((call) => call.includes('Hotel'))).toEqual([]);
  });

  it('Foxtrot stays failed, and nothing was called for it', async () => {
    const { linkOf, entryRoomIds } = await state(pg!.strapi);
    expect(linkOf('Foxtrot')).toMatchObject({ status: 'failed', roomId: null });
    expect(entryRoomIds('Foxtrot')).toEqual([null, null]);
    expect(roomCalls().filter((call) => call.includes('Foxtrot'))).toEqual([]);
  });

  it('Golf stays unlinked; its room stays in iFlyChat, owned by no row', async () => {
    const { linkOf, entryRoomIds, links } = await state(pg!.strapi);
    expect(linkOf('Golf')).toMatchObject({ status: 'unlinked', unlinked: true, roomId: null });
    expect(entryRoomIds('Golf')).toEqual([null, null]);
    expect(roomExists(roomOf('Golf'))).toBe(true);
    expect(links.filter((row) => row.roomId === roomOf('Golf'))).toEqual([]);
  });

  it('every room has exactly one row (but the unlinked one), and its claim', async () => {
    const { links, claims } = await state(pg!.strapi);
    const owners = (id: string) => links.filter((row) => row.roomId === id).length;
    for (const room of emulator.rooms) {
      const id = String(room.room_id);
      expect({ id, owners: owners(id) }).toEqual({ id, owners: id === roomOf('Golf') ? 0 : 1 });
    }
    const roomIds = links.map((row) => row.roomId).filter((id) => id !== null);
    expect(new Set(roomIds).size).toBe(roomIds.length);
    for (const id of roomIds) expect(roomExists(id)).toBe(true);
    // The claims say the same: one per room a row has, held by that row.
    expect(claims.map((claim) => [claim.roomId, claim.linkKey]).sort()).toEqual(
      links
        .filter((row) => row.roomId !== null)
        .map((row) => [row.roomId, row.linkKey])
        .sort()
    );
  });

  it("leaves no row behind and none of 0.1's columns set", async () => {
    const { links } = await state(pg!.strapi);
    for (const row of links) {
      expect({
        key: row.linkKey,
        seqs: [typeof row.wantSeq, typeof row.doneSeq],
        behind: !(row.doneSeq >= row.wantSeq),
        operation: row.operation,
        mayHaveCreated: row.mayHaveCreated,
      }).toEqual({
        key: row.linkKey,
        seqs: ['number', 'number'],
        behind: false,
        operation: null,
        mayHaveCreated: null,
      });
    }
  });

  it('an upgraded row follows its entry again: renaming Alpha edits its room', async () => {
    const { entries } = await state(pg!.strapi);
    const documentId = entries.get('Alpha')!.documentId;
    const calls = emulator.requests.length;
    const documents = pg!.strapi.documents(COMMUNITY);
    await documents.update({ documentId, data: { name: 'Alpha renamed' } as never });
    await documents.publish({ documentId });
    await settle(pg!.strapi);

    expect(roomCalls(calls)).toEqual([`edit ${roomOf('Alpha')}`]);
    const room = emulator.rooms.find((candidate) => String(candidate.room_id) === roomOf('Alpha'));
    expect(room?.room_name).toBe('Alpha renamed');
    const after = await state(pg!.strapi);
    expect(after.linkOf('Alpha renamed')).toMatchObject({
      status: 'created',
      roomId: roomOf('Alpha'),
      roomName: 'Alpha renamed',
    });
    expect(after.entryRoomIds('Alpha renamed')).toEqual([roomOf('Alpha'), roomOf('Alpha')]);
  });

  it('upgrades once: a second boot calls nothing and changes no row', async () => {
    const before = await state(pg!.strapi);
    const rooms = emulator.rooms;
    const calls = emulator.requests.length;
    await pg!.close();
    pg = undefined;

    pg = await boot();
    const after = await state(pg.strapi);
    expect(roomCalls(calls)).toEqual([]);
    expect(emulator.rooms).toEqual(rooms);
    expect(after.links).toEqual(before.links);
    expect(after.claims).toEqual(before.claims);
    const store = pg.strapi.store({ type: 'plugin', name: 'iflychat' });
    expect(await store.get({ key: 'links-upgraded-from-0.1' })).toBe(true);
  });
});
