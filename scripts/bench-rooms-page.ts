/**
 * The Rooms page's list at scale, measured, not a test: `node -r esbuild-register
 * scripts/bench-rooms-page.ts` (after `npm run build`). Boots the playground (listening on
 * 127.0.0.1) against the emulator in its own process, writes BENCH_ROOM_ROWS (100,000) link
 * rows and their Community entries directly (90 % with a room, 5 % failed, 3 % retrying, 2 %
 * pending; one entry in ten unpublished), and prints one JSON line per database and query: the
 * median and the worst server time of the Rooms page service (`list`), and the median of the
 * whole admin HTTP request, over BENCH_ROOM_SAMPLES (20) runs after one warm-up; and, for
 * comparison, the median of `GET /admin/users/me` (Strapi's own admin authentication and
 * permission loading, which every admin request pays). Target: first page, a filtered page and a
 * sorted page each ≤ 100 ms server time.
 *
 * Environment: BENCH_DB ("sqlite", or "sqlite,postgres"), BENCH_ROOM_ROWS, BENCH_ROOM_SAMPLES.
 */
import { performance } from 'node:perf_hooks';

import { compileStrapi, type Core } from '@strapi/strapi';

import { roomListSchema } from '../contracts/rooms-page';
import { startRemoteEmulator, type RemoteEmulator } from '../tests/emulator/remote';
import {
  adminSession,
  bootPlayground,
  COMMUNITY,
  PLAYGROUND,
  playgroundConfig,
} from '../tests/helpers/playground';
import { PG_ADMIN_URL, startPostgres } from '../tests/helpers/postgres';

const ROWS = Number(process.env.BENCH_ROOM_ROWS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_ROOM_SAMPLES ?? 20);
const DATABASES = (process.env.BENCH_DB ?? 'sqlite').split(',').map((name) => name.trim());
const BATCH = 500;

const QUERIES: Array<[string, string]> = [
  ['first page', ''],
  ['filter failed', 'filter=failed'],
  ['filter retrying', 'filter=retrying'],
  ['filter no room', 'filter=noRoom'],
  ['filter unpublished with a room', 'filter=unpublishedWithRoom'],
  ['search a room name', 'q=community%2042'],
  ['sort last sync', 'sort=syncedAt&order=desc'],
  ['sort status', 'sort=status&order=asc'],
  ['sort attempts', 'sort=attempts&order=desc'],
  ['sort room id', 'sort=roomId&order=asc'],
  ['page 2,000 (deep)', 'page=2000&pageSize=25'],
];

const round = (value: number) => Number(value.toFixed(2));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

function statusOf(i: number): { status: string; hasRoom: boolean } {
  const slot = i % 100;
  if (slot < 5) return { status: 'failed', hasRoom: false };
  if (slot < 8) return { status: 'retrying', hasRoom: false };
  if (slot < 10) return { status: 'pending', hasRoom: false };
  return { status: 'created', hasRoom: true };
}

/** Entries and link rows as the worker would have left them (nothing due: want = done). */
async function seed(strapi: Core.Strapi): Promise<number> {
  const started = performance.now();
  const knex = strapi.db.connection;
  const now = Date.now();
  for (let start = 0; start < ROWS; start += BATCH) {
    const entries: Array<Record<string, unknown>> = [];
    const links: Array<Record<string, unknown>> = [];
    for (let i = start; i < Math.min(ROWS, start + BATCH); i += 1) {
      const documentId = `benchrooms${String(i).padStart(14, '0')}`;
      const { status, hasRoom } = statusOf(i);
      const roomId = hasRoom ? String(5_000_000 + i) : null;
      const draft = { document_id: documentId, name: `Community ${i}`, room_id: roomId };
      entries.push({
        ...draft,
        published_at: null,
        created_at: new Date(),
        updated_at: new Date(),
      });
      if (i % 10 !== 3) {
        entries.push({
          ...draft,
          published_at: new Date(),
          created_at: new Date(),
          updated_at: new Date(),
        });
      }
      links.push({
        link_key: `${COMMUNITY}:${documentId}:*`,
        content_type: COMMUNITY,
        entry_document_id: documentId,
        entry_locale: '*',
        want_seq: 1,
        done_seq: 1,
        status,
        unlinked: false,
        room_id: roomId,
        room_name: hasRoom ? `Community ${i}` : null,
        room_role: hasRoom ? '2' : null,
        room_private: hasRoom ? false : null,
        room_moderate: hasRoom ? false : null,
        attempts: (i * 7) % 6,
        last_error: status === 'failed' ? 'iFlyChat rejected the request (HTTP 400)' : null,
        fence: 0,
        due_at_ms: 0,
        synced_at_ms: now - ((i * 7919) % 10_000_000),
      });
    }
    await knex.transaction(async (trx) => {
      await trx.batchInsert('communities', entries, 250);
      await trx.batchInsert('iflychat_room_links', links, 250);
    });
  }
  return performance.now() - started;
}

async function measure(db: string, emulator: RemoteEmulator): Promise<void> {
  const pg = await bootPlayground({
    listen: true,
    // The audit would look at every row now and then: every 3,600 s here, after the runs.
    pluginConfig: playgroundConfig(emulator, { sweepIntervalSeconds: 3_600 }),
  });
  try {
    const admin = await adminSession(pg);
    const seedMs = await seed(pg.strapi);
    // The tables as a database that has run a while has them: statistics gathered (and, on
    // PostgreSQL, vacuumed: fresh rows are otherwise rewritten by the first reads).
    if (db === 'postgres') {
      await pg.strapi.db.connection.raw('vacuum analyze iflychat_room_links, communities');
    } else {
      await pg.strapi.db.connection.raw('analyze');
    }
    const page = pg.strapi.plugin('iflychat').service<{
      list(query: unknown, mayRead: (uid: string) => boolean): Promise<unknown>;
    }>('roomsPage');
    // For comparison: an admin request that does next to nothing (who am I).
    const baseline: number[] = [];
    for (let i = 0; i <= SAMPLES; i += 1) {
      const started = performance.now();
      await admin.get('/admin/users/me');
      if (i > 0) baseline.push(performance.now() - started);
    }
    console.log(
      JSON.stringify({
        figure: 'admin_users_me',
        db,
        samples: SAMPLES,
        http_median_ms: round(median(baseline)),
      })
    );
    for (const [name, query] of QUERIES) {
      const parsed = roomListSchema.parse(Object.fromEntries(new URLSearchParams(query)));
      const service: number[] = [];
      const http: number[] = [];
      await page.list(parsed, () => true);
      for (let i = 0; i < SAMPLES; i += 1) {
        let started = performance.now();
        await page.list(parsed, () => true);
        service.push(performance.now() - started);
        started = performance.now();
        const response = await admin.get(`/iflychat/rooms/list?${query}`);
        http.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}`);
      }
      console.log(
        JSON.stringify({
          figure: 'rooms_page_list',
          db,
          rows: ROWS,
          query: name,
          samples: SAMPLES,
          service_median_ms: round(median(service)),
          service_max_ms: round(Math.max(...service)),
          http_median_ms: round(median(http)),
          target_ms: 100,
          seed_s: round(seedMs / 1000),
        })
      );
    }
  } finally {
    await pg.close();
  }
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  process.env.STRAPI_LOG_LEVEL ??= 'error';
  await compileStrapi({ appDir: PLAYGROUND });
  const emulator = await startRemoteEmulator(0);
  try {
    for (const db of DATABASES) {
      const server = db === 'postgres' ? await startPostgres() : null;
      if (server) process.env[PG_ADMIN_URL] = server.adminUrl;
      try {
        await measure(db, emulator);
      } finally {
        delete process.env[PG_ADMIN_URL];
        for (const key of Object.keys(process.env)) {
          if (key.startsWith('DATABASE_')) delete process.env[key];
        }
        await server?.stop();
      }
    }
  } finally {
    await emulator.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
