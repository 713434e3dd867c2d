/** The database's clock: the offset is measured halfway through a query's round trip. */
import type { Core } from '@strapi/strapi';

import { createDbClock } from '../../server/src/sync/clock';

function fakeStrapi(client: string, answer: (sql: string) => unknown) {
  const queries: string[] = [];
  const strapi = {
    db: {
      dialect: { client },
      connection: {
        raw: (sql: string) => {
          queries.push(sql);
          return Promise.resolve(answer(sql));
        },
      },
    },
    log: { warn: jest.fn() },
  } as unknown as Core.Strapi;
  return { strapi, queries };
}

describe('the database clock', () => {
  it('applies the offset measured on PostgreSQL (a server ten minutes ahead)', async () => {
    let local = 1_000_000;
    const { strapi, queries } = fakeStrapi('postgres', () => {
      local += 20; // the query takes 20 ms
      return { rows: [{ ms: String(1_000_010 + 600_000) }] };
    });
    const clock = createDbClock(strapi, () => local);
    await clock.sync();
    expect(queries[0]).toContain('clock_timestamp()');
    expect(clock.offsetMs).toBe(600_000);
    expect(clock.now().getTime()).toBe(local + 600_000);
  });

  it("reads MySQL's answer ([rows, fields]); SQLite runs in this process and is not asked", async () => {
    const mysql = fakeStrapi('mysql', () => [[{ ms: 5_000 }], []]);
    const onMysql = createDbClock(mysql.strapi, () => 4_000);
    await onMysql.sync();
    expect(onMysql.offsetMs).toBe(1_000);

    const sqlite = fakeStrapi('sqlite', () => [{ ms: 3_000 }]);
    const onSqlite = createDbClock(sqlite.strapi, () => 4_000);
    await onSqlite.sync();
    expect(sqlite.queries).toEqual([]);
    expect(onSqlite.offsetMs).toBe(0);
  });

  it('keeps the quickest of three samples, and counts an offset within its uncertainty as none', async () => {
    let local = 0;
    const trips = [400, 10, 300];
    const { strapi, queries } = fakeStrapi('postgres', () => {
      const trip = trips[queries.length - 1];
      local += trip;
      // The database is 3 ms ahead: less than half of even the quickest round trip.
      return { rows: [{ ms: local - trip / 2 + 3 }] };
    });
    const clock = createDbClock(strapi, () => local);
    await clock.sync();
    expect(queries).toHaveLength(3);
    expect(clock.offsetMs).toBe(0);
  });

  it('keeps the last offset, and says so, when the database cannot be asked', async () => {
    const { strapi } = fakeStrapi('postgres', () => {
      throw new Error('connection lost');
    });
    const clock = createDbClock(strapi, () => 1_000);
    await clock.sync();
    expect(clock.offsetMs).toBe(0);
    expect(strapi.log.warn).toHaveBeenCalledWith(expect.stringContaining('connection lost'));
  });
});
