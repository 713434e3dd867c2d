/**
 * On SQLite the writes of held rows that queue up together share one commit (sync/store.ts),
 * each in a savepoint of its own: a write whose row moved on, or that fails, undoes only its own
 * statements, and the others are committed.
 */
import type { Knex } from 'knex';

import { createCommitter } from '../../server/src/sync/store';
import { createEmulator, type Emulator } from '../emulator/server';
import { bootPlayground, playgroundConfig, type Playground } from '../helpers/playground';

const TABLE = 'iflychat_room_claims';

let emulator: Emulator;
let pg: Playground;

beforeAll(async () => {
  emulator = await createEmulator().start();
  pg = await bootPlayground({ pluginConfig: playgroundConfig(emulator) });
}, 180_000);

afterAll(async () => {
  await pg?.close();
  await emulator?.stop();
});

/** A write that claims `roomId` for `linkKey`, then answers `outcome` (or throws). */
const claimThen = (roomId: string, outcome: boolean | Error) => async (trx: Knex.Transaction) => {
  await trx(TABLE).insert({ room_id: roomId, link_key: `test:${roomId}` });
  if (outcome instanceof Error) throw outcome;
  return outcome;
};

async function claimed(roomIds: string[]): Promise<string[]> {
  const rows: Array<{ room_id: string }> = await pg.strapi.db
    .connection(TABLE)
    .whereIn('room_id', roomIds)
    .select('room_id');
  return rows.map((row) => row.room_id).sort();
}

it('writes queued together: each keeps or undoes only its own statements', async () => {
  const commit = createCommitter(pg.strapi);
  const begins: string[] = [];
  const onQuery = (query: { sql: string }) => {
    if (/^(begin|savepoint)/i.test(query.sql.trim())) begins.push(query.sql.trim().toLowerCase());
  };
  pg.strapi.db.connection.on('query', onQuery);
  try {
    const outcomes = await Promise.allSettled([
      commit(claimThen('9001', true)),
      commit(claimThen('9002', false)),
      commit(claimThen('9003', new Error('refused'))),
      commit(claimThen('9004', true)),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      true,
      false,
      'Error: refused',
      true,
    ]);
  } finally {
    pg.strapi.db.connection.off('query', onQuery);
  }
  // The moved-on write and the failed one left nothing; the other two are committed.
  expect(await claimed(['9001', '9002', '9003', '9004'])).toEqual(['9001', '9004']);
  // One commit for the four (this file runs on SQLite), a savepoint each.
  expect(pg.strapi.db.dialect.client).toBe('sqlite');
  expect(begins.filter((sql) => sql.startsWith('begin'))).toHaveLength(1);
  expect(begins.filter((sql) => sql.startsWith('savepoint'))).toHaveLength(4);
});

it('a write that finds its claim taken by another room owner fails alone', async () => {
  const commit = createCommitter(pg.strapi);
  await pg.strapi.db.connection(TABLE).insert({ room_id: '9100', link_key: 'test:other' });
  const outcomes = await Promise.allSettled([
    commit(claimThen('9101', true)),
    commit(claimThen('9100', true)),
    commit(claimThen('9102', true)),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(await claimed(['9100', '9101', '9102'])).toEqual(['9100', '9101', '9102']);
  const [owner]: Array<{ link_key: string }> = await pg.strapi.db
    .connection(TABLE)
    .where('room_id', '9100')
    .select('link_key');
  expect(owner.link_key).toBe('test:other');
});
