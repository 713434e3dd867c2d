/**
 * Leases and due times come from the database's clock: a second instance whose own clock runs
 * ten minutes ahead joins two Strapi processes on one PostgreSQL database, and must not take
 * over the first one's live jobs (each job is claimed once, each entry has one room).
 */
import path from 'node:path';

import { expectExactlyOneRoomEach } from '../helpers/assertions';
import { useInstances } from '../helpers/instances';
import { ROOT } from '../helpers/playground';

const COUNT = 60;
const SKEW_MS = 10 * 60_000;

// One call at a time per instance, 250 ms each: the first instance's jobs are still queued and
// leased when the second one starts.
const rig = useInstances({
  name: 'clock',
  latencyMs: 250,
  pluginConfig: { timeoutMs: 1_000, concurrency: 1, leaseSeconds: 5, sweepIntervalSeconds: 5 },
});

it('an instance whose clock runs ten minutes ahead does not steal live jobs', async () => {
  const env = rig.env();
  const a = rig.start({ env, prefix: 'On time', count: COUNT });
  await a.until((p) => p.done, 120_000, 'A published everything');
  const skewed = {
    ...env,
    NODE_OPTIONS: `--require ${path.join(ROOT, 'tests', 'processes', 'skewed-clock.js')}`,
    IFLYCHAT_CLOCK_SKEW_MS: String(SKEW_MS),
  };
  const b = rig.start({ env: skewed, prefix: 'Ahead', count: 0 });
  await b.until((p) => p.ready, 120_000, 'B started');
  await a.until((p) => p.links?.created === COUNT, 120_000, 'every room created');

  const links = await rig.database.query<{ attempts: number }>(
    'select attempts from iflychat_room_links'
  );
  // Claimed once each: no job was taken over from a live lease.
  expect(links.map((row) => row.attempts)).toEqual(Array(COUNT).fill(1));
  const entries = await rig.database.query<{
    documentId: string;
    roomId: unknown;
    publishedAt: unknown;
  }>(
    'select document_id as "documentId", room_id as "roomId", published_at as "publishedAt" from communities'
  );
  const ids = [...new Set(entries.map((row) => row.documentId))];
  expectExactlyOneRoomEach(ids, entries, rig.emulator.rooms);
  expect(a.output).not.toMatch(/lost its lease|ran out of lease time/);
  expect(b.output).not.toMatch(/lost its lease|ran out of lease time/);
}, 240_000);
