/**
 * Room events (`iflychat-room.created|updated|deleted|failed`) reach a real webhook receiver on
 * 127.0.0.1, set up through Strapi's own webhooks API: each change once, sent after it was
 * committed (the receiver reads the database when the event arrives).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  entryRows,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';

interface Received {
  event: string;
  header: string | undefined;
  body: Record<string, any>;
  /** The room ids on the entry's rows when the event arrived. */
  roomIdsOnEntry: Array<string | null>;
}

const EVENTS = [
  'iflychat-room.created',
  'iflychat-room.updated',
  'iflychat-room.deleted',
  'iflychat-room.failed',
];

let emulator: Emulator;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];

async function roomIdsOn(documentId: string) {
  const rows = await entryRows(pg.strapi, COMMUNITY, documentId);
  return [...new Set(rows.map((row) => (row.roomId === null ? null : String(row.roomId))))];
}

beforeAll(async () => {
  emulator = await createEmulator().start();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      void (async () => {
        const ids =
          typeof body.documentId === 'string' && body.uid === COMMUNITY
            ? await roomIdsOn(body.documentId)
            : [];
        received.push({
          event: body.event,
          header: req.headers['x-strapi-event'] as string | undefined,
          body,
          roomIdsOnEntry: ids,
        });
        res.writeHead(200).end();
      })();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      contentTypes: {
        [COMMUNITY]: {
          roomName: '{name}',
          roomIdField: 'roomId',
          roomRole: { field: 'audience' },
          onDelete: 'delete',
        },
      },
    }),
  });
  admin = await adminSession(pg);
});

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Waits for the events so far, then a moment more to catch any duplicate. */
async function eventsAfter(count: number) {
  await waitFor(() => received.length >= count);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return received.map(({ event, body }) => ({
    event,
    uid: body.uid,
    documentId: body.documentId,
    locale: body.locale,
    roomId: body.roomId,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
  }));
}

describe('room events', () => {
  it("are offered by Strapi's webhooks API", async () => {
    const created = await admin.post('/admin/webhooks', {
      name: 'rooms',
      url: receiverUrl,
      headers: {},
      events: EVENTS,
    });
    expect(created.status).toBe(201);
    expect(created.json.data.events).toEqual(EVENTS);
    const unknown = await admin.post('/admin/webhooks', {
      name: 'bad',
      url: receiverUrl,
      headers: {},
      events: ['iflychat-room.exploded'],
    });
    expect(unknown.status).toBe(400);
  });

  it('each change reaches the receiver exactly once, after it was committed', async () => {
    const documents = pg.strapi.documents(COMMUNITY);
    const audience = await roleId(pg.strapi, 'authenticated');
    const doc = await documents.create({ data: { name: 'Hikers', audience } as never });
    const id = doc.documentId;
    const base = { uid: COMMUNITY, documentId: id, locale: null };

    // First publish: the room is made and its id written → created.
    await documents.publish({ documentId: id });
    await settle(pg.strapi);
    const [first] = await roomIdsOn(id);
    expect(await eventsAfter(1)).toEqual([
      { event: 'iflychat-room.created', ...base, roomId: first },
    ]);

    // Published again unchanged: nothing to edit, no event.
    await documents.publish({ documentId: id });
    await settle(pg.strapi);
    // Renamed and published: the room is edited → updated.
    await documents.update({ documentId: id, data: { name: 'Hill walkers' } as never });
    await documents.publish({ documentId: id });
    await settle(pg.strapi);
    expect((await eventsAfter(2)).slice(1)).toEqual([
      { event: 'iflychat-room.updated', ...base, roomId: first },
    ]);

    // Recreate: a new room, a new id → updated.
    expect(
      (await admin.post('/iflychat/rooms/recreate', { uid: COMMUNITY, documentId: id })).status
    ).toBe(200);
    await settle(pg.strapi);
    const [second] = await roomIdsOn(id);
    expect(second).not.toBe(first);
    expect((await eventsAfter(3)).slice(2)).toEqual([
      { event: 'iflychat-room.updated', ...base, roomId: second },
    ]);

    // Link to another existing room → updated; the worker then names it after the entry
    // (its name was "Spare") → updated again.
    const made = await fetch(`${emulator.url}/api/1.1/room/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: emulator.apiKey, room_name: 'Spare', room_role: '2' }),
    });
    const spare = String(((await made.json()) as { room_id: number }).room_id);
    const linked = await admin.post('/iflychat/rooms/link', {
      uid: COMMUNITY,
      documentId: id,
      roomId: spare,
    });
    expect(linked.status).toBe(200);
    await settle(pg.strapi);
    expect((await eventsAfter(5)).slice(3)).toEqual([
      { event: 'iflychat-room.updated', ...base, roomId: spare },
      { event: 'iflychat-room.updated', ...base, roomId: spare },
    ]);
    expect(emulator.rooms.find((room) => String(room.room_id) === spare)?.room_name).toBe(
      'Hill walkers'
    );

    // Deleted entry, binding says delete: the delete job deletes the room → deleted.
    await documents.delete({ documentId: id });
    await settle(pg.strapi);
    expect(emulator.rooms.some((room) => String(room.room_id) === spare)).toBe(false);
    expect((await eventsAfter(6)).slice(5)).toEqual([
      { event: 'iflychat-room.deleted', ...base, roomId: spare },
    ]);

    // A job that finally fails (a role missing from the role map) → failed, with the reason.
    const editors = await pg.strapi
      .plugin('users-permissions')
      .service('role')
      .createRole({ name: 'Editors', type: 'editors', description: 'x' })
      .then(() => roleId(pg.strapi, 'editors'));
    const orphan = await documents.create({ data: { name: 'Orphan', audience: editors } as never });
    await documents.publish({ documentId: orphan.documentId });
    await settle(pg.strapi);
    const events = await eventsAfter(7);
    expect(events.slice(6)).toEqual([
      {
        event: 'iflychat-room.failed',
        uid: COMMUNITY,
        documentId: orphan.documentId,
        locale: null,
        roomId: null,
        reason: expect.stringContaining('editors'),
      },
    ]);

    // Exactly once each, with Strapi's event header; and each was sent after its commit: the
    // entry already held the room id the event announces (none once deleted).
    expect(received).toHaveLength(7);
    for (const event of received) expect(event.header).toBe(event.event);
    expect(received.slice(0, 5).map((event) => event.roomIdsOnEntry)).toEqual([
      [first],
      [first],
      [second],
      [spare],
      [spare],
    ]);
    expect(received[5].roomIdsOnEntry).toEqual([]);
    expect(received[6].roomIdsOnEntry).toEqual([null]);
  });
});
