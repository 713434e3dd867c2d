/**
 * One room, one owner, enforced by the database (the room claims table's unique key), on
 * PostgreSQL where two requests really run at the same time: two editors linking the same room
 * at once, and two entries carrying the same room id published at once with
 * `adoptExistingRoomIds` on. Real Strapi on PostgreSQL, real HTTP to the emulator.
 */
import { createEmulator, type Emulator } from '../emulator/server';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  entryRows,
  linkRows,
  playgroundConfig,
  roleId,
  settle,
  waitFor,
  type Playground,
} from '../helpers/playground';
import {
  createDatabase,
  startPostgres,
  type PostgresServer,
  type TestDatabase,
} from '../helpers/postgres';

let emulator: Emulator;
let server: PostgresServer;
let database: TestDatabase;
let pg: Playground;
let admin: Awaited<ReturnType<typeof adminSession>>;
let audience: number;

beforeAll(async () => {
  emulator = await createEmulator().start();
  server = await startPostgres();
  database = await createDatabase(server, `iflychat_ownership_${process.pid}`);
  pg = await bootPlayground({
    listen: true,
    env: database.env,
    pluginConfig: playgroundConfig(emulator, { adoptExistingRoomIds: true }),
  });
  admin = await adminSession(pg);
  audience = await roleId(pg.strapi, 'authenticated');
}, 120_000);

afterAll(async () => {
  await pg?.close();
  await database?.drop();
  await server?.stop();
  await emulator?.stop();
});

const documents = () => pg.strapi.documents(COMMUNITY);

/** A room in iFlyChat that no entry owns (made straight through the API). */
async function unownedRoom(name: string): Promise<string> {
  const response = await fetch(`${emulator.url}/api/1.1/room/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      api_key: emulator.apiKey,
      room_name: name,
      room_role: '2',
      room_private: '0',
      room_moderate: '0',
    }),
  });
  const { room_id: roomId } = (await response.json()) as { room_id: number };
  return String(roomId);
}

async function claimsOf(roomId: string) {
  return pg.strapi.db.query('plugin::iflychat.room-claim').findMany({ where: { roomId } });
}

it('two editors linking the same room at the same moment: one wins, the other gets a 400', async () => {
  for (let round = 0; round < 5; round += 1) {
    const roomId = await unownedRoom(`Contested ${round}`);
    const [a, b] = await Promise.all(
      ['A', 'B'].map((side) =>
        documents().create({ data: { name: `Linker ${side}${round}`, audience } as never })
      )
    );
    const answers = await Promise.all(
      [a, b].map((doc) =>
        admin.post('/iflychat/rooms/link', {
          uid: COMMUNITY,
          documentId: doc.documentId,
          roomId,
        })
      )
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const refused = answers.find((answer) => answer.status === 400);
    expect(refused?.json.error.details.errors[0].path).toEqual(['roomId']);

    const owners = (await linkRows(pg.strapi)).filter((row) => String(row.roomId) === roomId);
    expect(owners).toHaveLength(1);
    expect(await claimsOf(roomId)).toHaveLength(1);
  }
});

it('two entries carrying the same room id, published at once: only one adopts it', async () => {
  const roomId = await unownedRoom('Carried twice');
  const docs = await Promise.all(
    ['One', 'Two'].map((name) =>
      documents().create({ data: { name: `Carrier ${name}`, audience, roomId } as never })
    )
  );
  await Promise.all(docs.map((doc) => documents().publish({ documentId: doc.documentId })));
  // The loser (refused by the database, or finding the room owned) retries and makes its own.
  await waitFor(async () => {
    await settle(pg.strapi);
    const rows = (await linkRows(pg.strapi)).filter((row) =>
      docs.some((doc) => doc.documentId === row.entryDocumentId)
    );
    return rows.length === 2 && rows.every((row) => row.status === 'created');
  }, 20_000);

  const ids = await Promise.all(
    docs.map(async (doc) =>
      String((await entryRows(pg.strapi, COMMUNITY, doc.documentId))[0].roomId)
    )
  );
  expect(ids.filter((id) => id === roomId)).toHaveLength(1);
  expect(new Set(ids).size).toBe(2);
  const owners = (await linkRows(pg.strapi)).filter((row) => String(row.roomId) === roomId);
  expect(owners).toHaveLength(1);
  expect(owners[0].status).toBe('created');
  expect(await claimsOf(roomId)).toHaveLength(1);
});
