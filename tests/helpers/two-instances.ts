/**
 * The two-instance scenario, shared by the PostgreSQL and the MariaDB/MySQL tiers: two Strapi
 * processes on one database, each publishing its own communities while both workers and audits
 * compete for every row; each entry gets exactly one room, and both instances made rooms of
 * entries the other one published.
 */
import { expectExactlyOneRoomEach } from './assertions';
import { useInstances, type DatabaseProvider } from './instances';

const FROM_A = 150;
const FROM_B = 50;

export function twoInstancesShareTheWork(
  label: string,
  client: 'postgres' | 'mysql',
  database?: DatabaseProvider
): void {
  // Slow enough (one call at a time, 100 ms each) that rows queue up, so both instances'
  // workers compete for the same rows.
  const rig = useInstances({
    name: 'instances',
    latencyMs: 100,
    ...(database ? { database } : {}),
    pluginConfig: {
      timeoutMs: 1_000,
      concurrency: 1,
      leaseSeconds: 5,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 1_000,
      sweepIntervalSeconds: 5,
    },
  });

  it(`two instances on one ${label} database give each entry exactly one room`, async () => {
    // Info logs, to see which instance made which room.
    const env = rig.env();
    expect(env.DATABASE_CLIENT).toBe(client);
    // The first instance creates the schema and a backlog; the second starts on top of it, takes
    // part of the backlog at once, and publishes its own entries while both workers run. Until
    // the second is up, calls are slower, so that the backlog is still there however long its
    // boot takes on a loaded machine (still well under the 1 s timeout: no call is lost).
    rig.emulator.configure({ latencyMs: 500 });
    const a = rig.start({ env, prefix: 'Instance A', count: FROM_A });
    await a.until((p) => p.done, 120_000, 'A published everything');
    const b = rig.start({ env, prefix: 'Instance B', count: FROM_B });
    await b.until((p) => p.ready, 120_000, 'B booted');
    rig.emulator.configure({ latencyMs: 100 });

    const total = FROM_A + FROM_B;
    await b.until((p) => p.done && p.links?.created === total, 120_000, 'every room created');
    // Both stop cleanly with SIGTERM (Strapi's own handler destroys and exits 0).
    for (const publisher of [a, b]) expect(await publisher.kill('SIGTERM')).toBe(0);

    // Unaliased columns: PostgreSQL and MySQL quote aliases differently.
    const rows = (
      await rig.database.query<{ document_id: string; room_id: unknown; published_at: unknown }>(
        'SELECT document_id, room_id, published_at FROM communities'
      )
    ).map((row) => ({
      documentId: row.document_id,
      roomId: row.room_id,
      publishedAt: row.published_at,
    }));
    const documentIds = [...new Set(rows.map((row) => row.documentId))];
    expect(documentIds).toHaveLength(total);
    expectExactlyOneRoomEach(documentIds, rows, rig.emulator.rooms);
    const links = await rig.database.query<{ status: string; n: string }>(
      'SELECT status, COUNT(*) AS n FROM iflychat_room_links GROUP BY status'
    );
    expect(links.map((row) => ({ status: row.status, n: String(row.n) }))).toEqual([
      { status: 'created', n: String(total) },
    ]);
    expect(rig.emulator.requestsTo('/room/create')).toHaveLength(total);

    // Both instances took rows, including rows of entries the other one published.
    const made = (output: string) => output.match(/\[iflychat\] room \d+ "[^"]+" ready/g) ?? [];
    const byA = made(a.output);
    const byB = made(b.output);
    expect(byA.length + byB.length).toBe(total);
    expect(byB.filter((line) => line.includes('"Instance A')).length).toBeGreaterThan(0);
    expect(byA.length).toBeGreaterThan(0);
    console.log(`instances test on ${label}: A made ${byA.length} rooms, B made ${byB.length}`);
  }, 300_000);
}
