/**
 * Two Strapi processes on one PostgreSQL database in different time zones: one in UTC, one in
 * Los Angeles (UTC−8, which writes its wall-clock times). The Los Angeles one publishes, imports
 * a few entries past the Document Service (only the audit finds those) and is SIGKILLed while
 * rooms are still being made; the UTC one must finish everything, in a bounded time: each entry
 * exactly one room, no orphan room, and no job taken from a live lease (only the rows the killed
 * process held are claimed twice).
 */
import { expectExactlyOneRoomEach } from '../helpers/assertions';
import { useInstances } from '../helpers/instances';

const FROM_UTC = 20;
const FROM_LOS_ANGELES = 40;
const IMPORTED = 10;
const TOTAL = FROM_UTC + FROM_LOS_ANGELES + IMPORTED;
const LEASE_SECONDS = 5;
const SWEEP_SECONDS = 5;
/** One call at a time, 200 ms each: the backlog is still there when one process dies. */
const LATENCY_MS = 200;
const CONCURRENCY = 1;
/** Runs a process has at once (RUNS_PER_CALL_SLOT per call slot): the rows it can hold. */
const HELD_AT_MOST = CONCURRENCY * 2;

const rig = useInstances({
  name: 'timezones',
  latencyMs: LATENCY_MS,
  pluginConfig: {
    timeoutMs: 1_000,
    concurrency: CONCURRENCY,
    leaseSeconds: LEASE_SECONDS,
    sweepIntervalSeconds: SWEEP_SECONDS,
  },
});

it('an instance in another time zone dies mid-work: the other finishes it, stealing no live job', async () => {
  const utc = rig.start({ env: rig.env({ TZ: 'UTC' }), prefix: 'Utc', count: FROM_UTC });
  await utc.until((p) => p.done, 120_000, 'the UTC instance published everything');
  const losAngeles = rig.start({
    env: rig.env({ TZ: 'America/Los_Angeles', IFLYCHAT_IMPORT_COUNT: String(IMPORTED) }),
    prefix: 'Pacific',
    count: FROM_LOS_ANGELES,
  });
  await losAngeles.until((p) => p.done, 120_000, 'the Los Angeles instance published everything');

  await losAngeles.kill('SIGKILL');
  const held = await rig.database.query<{ link_key: string }>(
    "select link_key from iflychat_room_links where status = 'processing'"
  );
  const created = await rig.database.query<{ n: string }>(
    "select count(*) as n from iflychat_room_links where status = 'created'"
  );
  // Mid-work: rooms were being made, and not all of them yet.
  expect(Number(created[0].n)).toBeLessThan(TOTAL);

  // What is left: every room at one call each, after the dead process's leases ran out and two
  // audits found the imports.
  const bound = LEASE_SECONDS * 1_000 + 2 * SWEEP_SECONDS * 1_000 + TOTAL * (LATENCY_MS + 300);
  const started = Date.now();
  await utc.until((p) => p.links?.created === TOTAL, bound, 'every room created by the UTC one');
  console.log(
    `time zones test: the UTC instance finished ${Date.now() - started} ms after the kill`
  );

  const entries = await rig.database.query<{
    documentId: string;
    roomId: unknown;
    publishedAt: unknown;
  }>(
    'select document_id as "documentId", room_id as "roomId", published_at as "publishedAt" from communities'
  );
  const documentIds = [...new Set(entries.map((row) => row.documentId))];
  expect(documentIds).toHaveLength(TOTAL);
  expectExactlyOneRoomEach(documentIds, entries, rig.emulator.rooms);

  // Claimed once each, but for the rows the dead process held: no live lease was taken over.
  const links = await rig.database.query<{ link_key: string; attempts: number }>(
    'select link_key, attempts from iflychat_room_links'
  );
  const twice = links.filter((row) => row.attempts !== 1).map((row) => row.link_key);
  const heldKeys = held.map((row) => row.link_key);
  expect(twice.filter((key) => !heldKeys.includes(key))).toEqual([]);
  expect(twice.length).toBeLessThanOrEqual(HELD_AT_MOST);
  expect(utc.output).not.toMatch(/lost its lease|ran out of lease time/);
  expect(await utc.kill('SIGTERM')).toBe(0);
}, 240_000);
