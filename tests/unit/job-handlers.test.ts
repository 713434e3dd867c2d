/**
 * The job handlers decide from the entry, the link row and iFlyChat's answers, and return an
 * outcome: tested here with a fake iFlyChat and fake owners, without Strapi.
 */
import { bindingSchema } from '../../contracts/config';
import type { RoomParams, RoomSummary } from '../../server/src/iflychat/client';
import { IflychatApiError, IflychatTimeoutError } from '../../server/src/iflychat/errors';
import {
  deleteRoom,
  recreateRoom,
  syncRoom,
  type JobContext,
} from '../../server/src/sync/handlers';
import type { ClaimedJob, RoomLink } from '../../server/src/sync/job-state';
import { linkRow } from './link-row';
import type { Entry } from '../../server/src/sync/room-params';

const binding = bindingSchema.parse({
  roomName: '{name}',
  roomIdField: 'roomId',
  roomRole: { field: 'audience' },
  private: { field: 'isPrivate' },
});
const roleMap = { public: '1', authenticated: '2' };
const asked: RoomParams = { name: 'Hikers', role: '2', private: true, moderate: false };

const row = linkRow;

function job(overrides: Partial<RoomLink> = {}): ClaimedJob {
  const previous = row(overrides);
  return {
    ...previous,
    status: 'processing',
    attempts: previous.attempts + 1,
    fence: (previous.fence ?? 0) + 1,
    previous,
  };
}

function entry(overrides: Partial<Entry> = {}): Entry {
  return {
    documentId: 'doc1',
    name: 'Hikers',
    audience: 'authenticated',
    isPrivate: true,
    roomId: null,
    ...overrides,
  };
}

/** One turn of the event loop, as a real answer would take. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fake iFlyChat: a list of rooms, and the calls made. */
function fakeIflychat(rooms: RoomSummary[] = [], failures: Partial<Record<string, Error>> = {}) {
  const calls: string[] = [];
  let nextId = 500;
  const fail = (name: string) => {
    const error = failures[name];
    if (error) throw error;
  };
  return {
    calls,
    rooms,
    client: {
      async createRoom(room: RoomParams) {
        await tick();
        calls.push(`create ${room.name}`);
        fail('createRoom');
        nextId += 1;
        rooms.push({ roomId: String(nextId), ...room });
        return { roomId: String(nextId) };
      },
      async editRoom(roomId: string, room: RoomParams) {
        await tick();
        calls.push(`edit ${roomId} ${room.name}`);
        fail('editRoom');
      },
      async deleteRoom(roomId: string) {
        await tick();
        calls.push(`delete ${roomId}`);
        fail('deleteRoom');
        const index = rooms.findIndex((room) => room.roomId === roomId);
        if (index >= 0) rooms.splice(index, 1);
      },
      async listRooms() {
        await tick();
        calls.push('list');
        fail('listRooms');
        return rooms.map((room) => ({ ...room }));
      },
    },
  };
}

function context(
  the: ClaimedJob,
  iflychat: ReturnType<typeof fakeIflychat>,
  options: {
    entry?: Entry | null;
    exists?: boolean;
    owners?: Record<string, string>;
    adopt?: boolean;
    bound?: boolean;
  } = {}
): JobContext {
  const owners = new Map(Object.entries(options.owners ?? {}));
  return {
    job: the,
    binding: options.bound === false ? undefined : binding,
    roleMap,
    adoptExistingRoomIds: options.adopt ?? false,
    client: iflychat.client,
    publishedEntry: () => Promise.resolve(options.entry === undefined ? entry() : options.entry),
    entryExists: () => Promise.resolve(options.exists ?? true),
    ownerOf: (roomId) => Promise.resolve(owners.get(roomId) ?? null),
    log: { info: () => undefined, warn: () => undefined },
  };
}

const listed = (roomId: string, room: RoomParams = asked): RoomSummary => ({ roomId, ...room });

describe('sync handler: making a room', () => {
  it('reads an entry without its role again before failing it (a read torn by an unpublish)', async () => {
    const iflychat = fakeIflychat();
    const reads = [entry({ audience: null }), null];
    const the = context(job(), iflychat, { exists: false });
    the.publishedEntry = () => Promise.resolve(reads.shift() ?? null);
    // The second read finds the entry gone: its row is dropped, no failure, no call.
    expect(await syncRoom(the)).toEqual({ kind: 'forgotten', reason: 'the entry was deleted' });
    expect(iflychat.calls).toEqual([]);

    // Read twice without a role: it fails, with the reason.
    const again = context(job(), iflychat);
    let count = 0;
    again.publishedEntry = () => {
      count += 1;
      return Promise.resolve(entry({ audience: null }));
    };
    expect(await syncRoom(again)).toMatchObject({ kind: 'failed' });
    expect(count).toBe(2);
  });

  it('creates the room the entry asks for', async () => {
    const iflychat = fakeIflychat();
    const outcome = await syncRoom(context(job(), iflychat));
    expect(iflychat.calls).toEqual(['create Hikers']);
    expect(outcome).toEqual({ kind: 'synced', roomId: '501', room: asked, event: 'created' });
  });

  it('an entry that cannot be named fails with the reason and calls nothing', async () => {
    const iflychat = fakeIflychat();
    const outcome = await syncRoom(context(job(), iflychat, { entry: entry({ audience: '' }) }));
    expect(iflychat.calls).toEqual([]);
    expect(outcome).toMatchObject({ kind: 'failed', mayHaveCreated: false });
  });

  it('an unpublished entry fails; a deleted one drops its row', async () => {
    const iflychat = fakeIflychat();
    expect(await syncRoom(context(job(), iflychat, { entry: null }))).toMatchObject({
      kind: 'failed',
      reason: 'the entry is not published any more',
    });
    expect(await syncRoom(context(job(), iflychat, { entry: null, exists: false }))).toEqual({
      kind: 'forgotten',
      reason: 'the entry was deleted',
    });
    expect(iflychat.calls).toEqual([]);
  });

  it('a type no longer bound drops its row', async () => {
    const outcome = await syncRoom(context(job(), fakeIflychat(), { bound: false }));
    expect(outcome).toMatchObject({ kind: 'forgotten' });
  });

  it('a refused call fails at once; a 503 with Retry-After is retried', async () => {
    const refused = new IflychatApiError({ path: '/x', status: 403, body: '' });
    expect(await syncRoom(context(job(), fakeIflychat([], { createRoom: refused })))).toMatchObject(
      { kind: 'failed', mayHaveCreated: false }
    );
    const busy = new IflychatApiError({ path: '/x', status: 503, body: '', retryAfterSeconds: 9 });
    expect(await syncRoom(context(job(), fakeIflychat([], { createRoom: busy })))).toMatchObject({
      kind: 'retry',
      retryAfterSeconds: 9,
      mayHaveCreated: false,
    });
  });

  it('a create whose answer was lost is retried, marked "may have created"', async () => {
    const lost = new IflychatTimeoutError({ path: '/x', timeoutMs: 100, sent: true });
    const outcome = await syncRoom(context(job(), fakeIflychat([], { createRoom: lost })));
    expect(outcome).toMatchObject({ kind: 'retry', mayHaveCreated: true });
  });
});

describe('sync handler: after a lost answer (recovery)', () => {
  it('adopts the room that matches name, role, private and moderate, and nobody owns', async () => {
    const iflychat = fakeIflychat([listed('40'), listed('41')]);
    const outcome = await syncRoom(
      context(job({ mayHaveCreated: true }), iflychat, { owners: { '40': 'other:key:*' } })
    );
    expect(outcome).toMatchObject({ kind: 'synced', roomId: '41', event: 'created' });
    expect(iflychat.calls).toEqual(['list']);
  });

  it('does not adopt a room of the same name with another role or flags', async () => {
    const iflychat = fakeIflychat([
      listed('40', { ...asked, role: '0' }),
      listed('41', { ...asked, private: false }),
      listed('42', { ...asked, moderate: true }),
    ]);
    const outcome = await syncRoom(context(job({ mayHaveCreated: true }), iflychat));
    expect(iflychat.calls).toEqual(['list', 'create Hikers']);
    expect(outcome).toMatchObject({ kind: 'synced', roomId: '501' });
  });
});

describe('sync handler: a room id the entry carried on its first publish', () => {
  it('is ignored by default: the entry gets a room of its own, iFlyChat is not asked', async () => {
    const iflychat = fakeIflychat([listed('42', { ...asked, name: 'Someone else' })]);
    const outcome = await syncRoom(context(job(), iflychat, { entry: entry({ roomId: '42' }) }));
    expect(iflychat.calls).toEqual(['create Hikers']);
    expect(outcome).toMatchObject({ kind: 'synced', roomId: '501', event: 'created' });
  });

  it('with adoptExistingRoomIds, is adopted when listed and unowned, its real state recorded', async () => {
    const iflychat = fakeIflychat([listed('42')]);
    const outcome = await syncRoom(
      context(job(), iflychat, { entry: entry({ roomId: '42' }), adopt: true })
    );
    expect(iflychat.calls).toEqual(['list']);
    expect(outcome).toEqual({ kind: 'synced', roomId: '42', room: asked, event: 'created' });
  });

  it('with adoptExistingRoomIds, an adopted room that differs is edited to match the entry', async () => {
    const iflychat = fakeIflychat([listed('42', { ...asked, role: '0', private: false })]);
    const outcome = await syncRoom(
      context(job(), iflychat, { entry: entry({ roomId: '42' }), adopt: true })
    );
    expect(iflychat.calls).toEqual(['list', 'edit 42 Hikers']);
    expect(outcome).toEqual({ kind: 'synced', roomId: '42', room: asked, event: 'created' });
  });

  it('with adoptExistingRoomIds, a room iFlyChat does not list or another entry owns is not adopted', async () => {
    for (const [rooms, owners] of [
      [[], {}],
      [[listed('42')], { '42': 'api::other.other:x:*' }],
    ] as const) {
      const iflychat = fakeIflychat([...rooms]);
      const outcome = await syncRoom(
        context(job(), iflychat, { entry: entry({ roomId: '42' }), adopt: true, owners })
      );
      expect(outcome).toMatchObject({ kind: 'synced', roomId: '501', event: 'created' });
      expect(iflychat.calls).toEqual(['list', 'create Hikers']);
    }
  });

  it('after the first sync, the field is the plugin’s: a stale id is never adopted', async () => {
    const iflychat = fakeIflychat([listed('42')]);
    const outcome = await syncRoom(
      context(job({ syncedAt: new Date() }), iflychat, {
        entry: entry({ roomId: '42' }),
        adopt: true,
      })
    );
    expect(outcome).toMatchObject({ kind: 'synced', roomId: '501' });
  });
});

describe('sync handler: an entry that has a room', () => {
  const withRoom = {
    roomId: '9',
    roomName: 'Hikers',
    roomRole: '2',
    roomPrivate: true,
    roomModerate: false,
  };

  it('calls nothing when the room already matches', async () => {
    const iflychat = fakeIflychat();
    const outcome = await syncRoom(context(job(withRoom), iflychat));
    expect(iflychat.calls).toEqual([]);
    expect(outcome).toEqual({ kind: 'synced', roomId: '9', room: asked, event: null });
  });

  it('edits the room when the entry asks for something else', async () => {
    const iflychat = fakeIflychat();
    const outcome = await syncRoom(
      context(job(withRoom), iflychat, { entry: entry({ isPrivate: false }) })
    );
    expect(iflychat.calls).toEqual(['edit 9 Hikers']);
    expect(outcome).toMatchObject({ kind: 'synced', roomId: '9', event: 'updated' });
  });
});

describe('delete handler', () => {
  it('deletes the room', async () => {
    const iflychat = fakeIflychat([listed('9')]);
    const outcome = await deleteRoom(context(job({ operation: 'delete', roomId: '9' }), iflychat));
    expect(outcome).toEqual({ kind: 'removed', deletedRoomId: '9' });
    expect(iflychat.rooms).toEqual([]);
  });

  it('a 404 counts as "already gone" only when rooms/list confirms the room is absent', async () => {
    const notFound = new IflychatApiError({ path: '/x', status: 404, body: '' });
    const gone = fakeIflychat([], { deleteRoom: notFound });
    expect(await deleteRoom(context(job({ operation: 'delete', roomId: '9' }), gone))).toEqual({
      kind: 'removed',
      deletedRoomId: '9',
    });

    const stillThere = fakeIflychat([listed('9')], { deleteRoom: notFound });
    expect(
      await deleteRoom(context(job({ operation: 'delete', roomId: '9' }), stillThere))
    ).toMatchObject({ kind: 'failed' });
    expect(stillThere.calls).toEqual(['delete 9', 'list']);
  });
});

describe('recreate handler', () => {
  const withRoom = {
    operation: 'recreate' as const,
    roomId: '9',
    roomName: 'Hikers',
    roomRole: '2',
  };

  it('deletes the old room and makes a new one', async () => {
    const iflychat = fakeIflychat([listed('9')]);
    const outcome = await recreateRoom(context(job(withRoom), iflychat));
    expect(iflychat.calls).toEqual(['delete 9', 'create Hikers']);
    expect(outcome).toMatchObject({
      kind: 'synced',
      roomId: '501',
      event: 'updated',
      replacedRoomId: '9',
    });
  });

  it('keeps the old room when the entry cannot get a new one', async () => {
    const iflychat = fakeIflychat([listed('9')]);
    const outcome = await recreateRoom(
      context(job(withRoom), iflychat, { entry: entry({ audience: '' }) })
    );
    expect(iflychat.calls).toEqual([]);
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect((outcome as { reason: string }).reason).toMatch(/the room was kept$/);
  });

  it('a create that fails after the old room went says the old room is gone', async () => {
    const down = new IflychatApiError({ path: '/x', status: 503, body: '' });
    const iflychat = fakeIflychat([listed('9')], { createRoom: down });
    const outcome = await recreateRoom(context(job(withRoom), iflychat));
    expect(outcome).toMatchObject({ kind: 'retry', roomDropped: true, mayHaveCreated: false });
  });
});
