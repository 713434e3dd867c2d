/**
 * `npm run bench`: measured figures, not a test. Boots the playground against the emulator at a
 * fixed latency, on SQLite and on a throwaway PostgreSQL, and prints JSON lines, then one table
 * with a column per database, each figure beside its target and its reference.
 *
 * - publish overhead: median and p95 of `documents().publish` on the bound Community versus the
 *   unbound Group (same schema), alternating, in the same run;
 * - bulk: N entries published at once through the Content Manager's bulk publish service; seconds
 *   from its return until every room exists, next to the floor N × latency ÷ concurrency and to a
 *   plain pool: the same N create calls made by `concurrency` plain `fetch` workers in the same
 *   run (no database, no retries);
 * - audit: one `sync.audit()` tick on a bound type of 10,000 and of 100,000 published entries in
 *   steady state (every entry has its reconciled link row);
 * - memory: RSS growth of the process with 100,000 due link rows while the worker runs them
 *   against the emulator for a while;
 * - bare: create calls through the plugin's client alone (no Strapi), a reference;
 * - backfill (SQLite only): "Create rooms for existing entries" on 10,000 entries at concurrency
 *   16, with its progress read every second as the settings page does, next to its floor.
 *
 * The emulator runs in a child process, so that its work does not share Strapi's event loop.
 *
 * Environment: BENCH_DB ("sqlite,postgres"), BENCH_LATENCY_MS (100), BENCH_PUBLISHES (200),
 * BENCH_BULK (1000), BENCH_CONCURRENCY ("4,16,64"), BENCH_PENDING (100000), BENCH_MEMORY_SECONDS
 * (10), BENCH_AUDIT ("10000,100000"), BENCH_AUDIT_TICKS (20), BENCH_BACKFILL (10000), BENCH_BARE
 * (400), BENCH_ONLY (e.g. "bulk,bare,memory,audit,backfill,overhead"; "sqlite" or "postgres" in
 * it also picks the database). PostgreSQL is started as the PostgreSQL tests start it
 * (tests/helpers/postgres.ts; IFLYCHAT_TEST_PG_URL points at a server of your own).
 * BENCH_TRACE=1 also prints, for each bulk run, the SQL run while the rooms were made (by
 * statement shape, with its total time) and the create calls per 100 ms; BENCH_TRACE_SQL=text
 * prints the stack of the first statement containing that text. BENCH_PROFILE=path writes a CPU
 * profile of each bulk run while its rooms are made (`path-sqlite-c16.cpuprofile`) and of the
 * audit ticks. BENCH_SQLITE_DIR=/dev/shm puts the SQLite files there (what the disk's syncs cost).
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { compileStrapi } from '@strapi/strapi';
import type { Core } from '@strapi/strapi';

import { createIflychatClient } from '../server/src/iflychat/client';
import { LINKS_TABLE } from '../server/src/sync/links';
import type { SyncService } from '../server/src/sync/service';
import { startRemoteEmulator, type RemoteEmulator } from '../tests/emulator/remote';
import {
  bootPlayground,
  COMMUNITY,
  GROUP,
  PLAYGROUND,
  playgroundConfig,
  roleId,
} from '../tests/helpers/playground';
import { PG_ADMIN_URL, startPostgres } from '../tests/helpers/postgres';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 200);
const BULK = Number(process.env.BENCH_BULK ?? 1000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '4,16,64').split(',').map(Number);
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 10);
const AUDIT_SIZES = (process.env.BENCH_AUDIT ?? '10000,100000').split(',').map(Number);
const AUDIT_TICKS = Number(process.env.BENCH_AUDIT_TICKS ?? 20);
const BACKFILL = Number(process.env.BENCH_BACKFILL ?? 10_000);
const BARE = Number(process.env.BENCH_BARE ?? 400);
const ROOM_LINK = 'plugin::iflychat.room-link';
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());

type Database = 'sqlite' | 'postgres';
const DATABASES = ['sqlite', 'postgres'] as const;

/** BENCH_DB, else the databases BENCH_ONLY names, else both. */
function databases(): Database[] {
  const named = (process.env.BENCH_DB ?? '').split(',').map((name) => name.trim());
  const picked = DATABASES.filter((db) => named.includes(db) || ONLY?.includes(db));
  return picked.length > 0 ? picked : [...DATABASES];
}

type Figure = Record<string, string | number | boolean>;

const results: Figure[] = [];
/** The database the figures being measured run on (none for the client-only references). */
let currentDb: Database | 'none' = 'none';

function report(figure: Figure) {
  const tagged = { figure: figure.figure, db: currentDb, ...figure };
  results.push(tagged);
  console.log(JSON.stringify(tagged));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Boots the playground quietly. BENCH_SQLITE_DIR puts the SQLite file in that folder (such as
 * /dev/shm, to see what the disk's syncs cost) instead of the run's folder.
 */
async function quietBoot(emulator: RemoteEmulator, overrides: Record<string, unknown>) {
  const dir = process.env.BENCH_SQLITE_DIR;
  const file =
    dir && currentDb === 'sqlite' ? join(dir, `iflychat-bench-${randomUUID()}.db`) : null;
  const pg = await bootPlayground({
    pluginConfig: playgroundConfig(emulator, { timeoutMs: 10_000, leaseSeconds: 60, ...overrides }),
    env: file ? { DATABASE_FILENAME: file } : {},
  });
  return {
    ...pg,
    async close() {
      await pg.close();
      if (file)
        for (const end of ['', '-journal', '-wal', '-shm']) rmSync(file + end, { force: true });
    },
  };
}

async function waitForRooms(strapi: Core.Strapi, count: number, timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    const created = await strapi.db.query(ROOM_LINK).count({ where: { status: 'created' } });
    if (created >= count) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`only ${created} of ${count} rooms after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** A document id of Strapi's shape (24 lowercase letters and digits). */
const newDocumentId = () => randomUUID().replace(/-/g, '').slice(0, 24);

/**
 * Writes `count` published communities straight to the database, 500 a query; `withDrafts` also
 * writes each one's draft row (same document), as the Document Service keeps them.
 */
async function insertPublished(
  strapi: Core.Strapi,
  count: number,
  prefix: string,
  at: Date,
  withDrafts = false
) {
  const perQuery = withDrafts ? 250 : 500;
  for (let start = 0; start < count; start += perQuery) {
    const rows = Array.from({ length: Math.min(perQuery, count - start) }, (_, i) => {
      const entry = { documentId: newDocumentId(), name: `${prefix} ${start + i}` };
      const published = { ...entry, publishedAt: at, createdAt: at, updatedAt: at };
      return withDrafts ? [{ ...published, publishedAt: null }, published] : [published];
    }).flat();
    await strapi.db.query(COMMUNITY).createMany({ data: rows });
  }
}

/** The published rows of Community (id and document id), in id order. */
async function publishedRows(strapi: Core.Strapi) {
  const table = strapi.db.metadata.get(COMMUNITY).tableName;
  return strapi.db
    .connection(table)
    .whereNotNull('published_at')
    .orderBy('id', 'asc')
    .select<Array<{ id: number; document_id: string; name: string }>>('id', 'document_id', 'name');
}

/** How many link rows are behind (`wantSeq > doneSeq`). */
async function rowsBehind(strapi: Core.Strapi): Promise<number> {
  const [row] = await strapi.db
    .connection(LINKS_TABLE)
    .whereRaw('want_seq > done_seq')
    .count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row.n);
}

/** Link rows written straight to the table (see links.ts `rowFrom` for the columns), 500 a query. */
async function insertLinks(
  strapi: Core.Strapi,
  entries: Array<{ id: number; document_id: string; name: string }>,
  state: 'reconciled' | 'due'
) {
  const knex = strapi.db.connection;
  for (let start = 0; start < entries.length; start += 500) {
    const rows = entries.slice(start, start + 500).map((entry, i) => {
      const common = {
        link_key: `${COMMUNITY}:${entry.document_id}:*`,
        content_type: COMMUNITY,
        entry_document_id: entry.document_id,
        entry_locale: '*',
        unlinked: false,
        due_at_ms: 0,
      };
      return state === 'reconciled'
        ? {
            ...common,
            want_seq: 1,
            done_seq: 1,
            status: 'created',
            room_id: String(1_000_000 + start + i),
            room_name: entry.name,
            room_role: '2',
            room_private: false,
            room_moderate: false,
            entry_row_id: entry.id,
            attempts: 1,
            fence: 1,
            synced_at_ms: Date.now(),
          }
        : { ...common, want_seq: 1, done_seq: 0, status: 'pending', attempts: 0, fence: 0 };
    });
    await knex(LINKS_TABLE).insert(rows);
  }
}

/**
 * One audit tick on a bound type of `size` published entries in steady state: each has a draft
 * row and its reconciled link row, and the binding is older than every publish (so the audit
 * looks at every entry, not only at those published since it was bound).
 */
async function auditTick(emulator: RemoteEmulator, size: number) {
  const pg = await quietBoot(emulator, { concurrency: 4, sweepIntervalSeconds: 3_600 });
  try {
    const sync = pg.strapi.plugin('iflychat').service<SyncService>('sync');
    await sync.idle();
    await sync.audit();
    await insertPublished(pg.strapi, size, 'Audit', new Date(Date.now() - 86_400_000), true);
    await insertLinks(pg.strapi, await publishedRows(pg.strapi), 'reconciled');
    // As the state stands once the type has been bound since before its entries were published.
    const store = pg.strapi.store({ type: 'plugin', name: 'iflychat' });
    const seen = (await store.get({ key: 'bindings-seen' })) as Record<string, { since: number }>;
    for (const uid of Object.keys(seen)) seen[uid].since = 0;
    await store.set({ key: 'bindings-seen', value: seen });
    const timings: number[] = [];
    let marked = 0;
    const queries = process.env.BENCH_TRACE ? traceQueries(pg.strapi) : null;
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
    for (let i = 0; i < AUDIT_TICKS; i += 1) {
      const started = performance.now();
      marked += await sync.audit();
      timings.push(performance.now() - started);
    }
    if (profiler) {
      await profiler.stop(`${process.env.BENCH_PROFILE}-${currentDb}-audit${size}.cpuprofile`);
    }
    if (queries) {
      queries.stop();
      console.log(queries.summary());
    }
    const behind = await rowsBehind(pg.strapi);
    report({
      figure: 'audit_tick',
      entries: size,
      ticks: AUDIT_TICKS,
      median_ms: round(quantile(timings, 0.5)),
      max_ms: round(Math.max(...timings)),
      // Steady state: nothing to mark (a mark here is a false positive of the audit).
      marked,
      rows_behind: behind,
    });
  } finally {
    await pg.close();
  }
}
/** "Create rooms for existing entries" on BACKFILL entries at concurrency 16. */
async function backfill(emulator: RemoteEmulator) {
  const concurrency = 16;
  const pg = await quietBoot(emulator, {
    concurrency,
    contentTypes: { [COMMUNITY]: { roomName: '{name}', roomIdField: 'roomId' } },
  });
  try {
    const sync = pg.strapi.plugin('iflychat').service<SyncService>('sync');
    await sync.idle();
    await insertPublished(pg.strapi, BACKFILL, 'Existing', new Date(Date.now() - 86_400_000));
    const started = Date.now();
    sync.startBackfill(COMMUNITY);
    // The settings page's polling: one request at a time, about every second.
    const progressMs: number[] = [];
    let progress;
    do {
      await sleep(1_000);
      const asked = performance.now();
      progress = await sync.progress(COMMUNITY);
      progressMs.push(performance.now() - asked);
    } while (progress.done < BACKFILL);
    const seconds = (Date.now() - started) / 1000;
    const floor = (BACKFILL * LATENCY_MS) / concurrency / 1000;
    report({
      figure: 'backfill',
      entries: BACKFILL,
      concurrency,
      latency_ms: LATENCY_MS,
      rooms_seconds: round(seconds),
      floor_seconds: round(floor),
      ratio: round(seconds / floor, 3),
      progress_reads: progressMs.length,
      progress_median_ms: round(quantile(progressMs, 0.5)),
    });
  } finally {
    await pg.close();
  }
}

async function publishOverhead(emulator: RemoteEmulator) {
  const pg = await quietBoot(emulator, { concurrency: 4 });
  try {
    const audience = await roleId(pg.strapi, 'authenticated');
    const timings: Record<string, number[]> = { [COMMUNITY]: [], [GROUP]: [] };
    const publishOne = async (uid: typeof COMMUNITY | typeof GROUP, i: number, record: boolean) => {
      const doc = await pg.strapi
        .documents(uid)
        .create({ data: { name: `Overhead ${i}`, audience } as never });
      const started = process.hrtime.bigint();
      await pg.strapi.documents(uid).publish({ documentId: doc.documentId });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (record) timings[uid].push(ms);
    };
    for (let i = 0; i < 10; i += 1) {
      await publishOne(COMMUNITY, -i, false);
      await publishOne(GROUP, -i, false);
    }
    for (let i = 0; i < PUBLISHES; i += 1) {
      // Alternate which goes first, so neither always follows the other's background work.
      const order = i % 2 === 0 ? [COMMUNITY, GROUP] : [GROUP, COMMUNITY];
      for (const uid of order) await publishOne(uid as typeof COMMUNITY, i, true);
    }
    const bound = timings[COMMUNITY];
    const unbound = timings[GROUP];
    report({
      figure: 'publish_overhead',
      publishes: PUBLISHES,
      latency_ms: LATENCY_MS,
      bound_median_ms: round(quantile(bound, 0.5)),
      bound_p95_ms: round(quantile(bound, 0.95)),
      unbound_median_ms: round(quantile(unbound, 0.5)),
      unbound_p95_ms: round(quantile(unbound, 0.95)),
      median_ratio: round(quantile(bound, 0.5) / quantile(unbound, 0.5), 3),
      p95_ratio: round(quantile(bound, 0.95) / quantile(unbound, 0.95), 3),
    });
    await waitForRooms(pg.strapi, PUBLISHES + 10, 120_000);
  } finally {
    await pg.close();
  }
}

/** BENCH_TRACE: the SQL run while rooms are made, by statement shape, with its total time. */
function traceQueries(strapi: Core.Strapi) {
  const started = new Map<string, number>();
  const totals = new Map<string, { count: number; ms: number; first: number; last: number }>();
  const since = performance.now();
  const knex = strapi.db.connection as unknown as {
    on(event: string, listener: (query: { __knexQueryUid: string; sql: string }) => void): void;
    off(event: string, listener: (query: { __knexQueryUid: string; sql: string }) => void): void;
  };
  let shown = false;
  const onQuery = (query: { __knexQueryUid: string; sql: string }) => {
    if (!shown && process.env.BENCH_TRACE_SQL && query.sql.includes(process.env.BENCH_TRACE_SQL)) {
      shown = true;
      console.log(new Error(query.sql).stack);
    }
    started.set(query.__knexQueryUid, performance.now());
  };
  const onResponse = (_: unknown, query: { __knexQueryUid: string; sql: string }) => {
    const at = started.get(query.__knexQueryUid);
    if (at === undefined) return;
    started.delete(query.__knexQueryUid);
    const shape = query.sql.replace(/\(\?(, \?)*\)/g, '(…)').slice(0, 140);
    const total = totals.get(shape) ?? { count: 0, ms: 0, first: at - since, last: 0 };
    total.last = at - since;
    total.count += 1;
    total.ms += performance.now() - at;
    totals.set(shape, total);
  };
  knex.on('query', onQuery);
  knex.on('query-response', onResponse as never);
  return {
    stop() {
      knex.off('query', onQuery);
      knex.off('query-response', onResponse as never);
    },
    summary() {
      return [...totals]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, Number(process.env.BENCH_TRACE_TOP ?? 15))
        .map(
          ([shape, t]) =>
            `${t.ms.toFixed(0).padStart(7)} ms ${String(t.count).padStart(6)}× +${t.first.toFixed(0).padStart(5)}…${t.last.toFixed(0).padStart(5)} ms ${shape}`
        )
        .join('\n');
    },
  };
}

/** BENCH_PROFILE=path: a CPU profile of the process while the rooms are made. */
async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile written to ${file}`);
    },
  };
}

/**
 * The reference for the bulk figures: the same create calls made by a plain pool of
 * `concurrency` workers, each posting with `fetch` to the emulator one call after another (no
 * database, no retries, no plugin client). What HTTP and the emulator allow in this run.
 */
async function plainPool(emulator: RemoteEmulator, concurrency: number, calls: number) {
  await emulator.reset();
  await emulator.configure({ latencyMs: LATENCY_MS });
  const url = `${emulator.url}/api/1.1/room/create`;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next += 1;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            api_key: emulator.apiKey,
            room_name: `Pool ${next}`,
            room_role: '2',
            room_private: '0',
            room_moderate: '0',
          }),
        });
        const answer = (await response.json()) as { room_id?: unknown };
        if (!response.ok || !answer.room_id) {
          throw new Error(`plain pool: HTTP ${response.status} ${JSON.stringify(answer)}`);
        }
      }
    })
  );
  const seconds = (performance.now() - started) / 1000;
  await emulator.reset();
  await emulator.configure({ latencyMs: LATENCY_MS });
  return seconds;
}

async function bulk(emulator: RemoteEmulator, concurrency: number) {
  await emulator.reset();
  await emulator.configure({ latencyMs: LATENCY_MS });
  const pg = await quietBoot(emulator, { concurrency });
  try {
    const audience = await roleId(pg.strapi, 'authenticated');
    const ids: string[] = [];
    for (let i = 0; i < BULK; i += 1) {
      const doc = await pg.strapi
        .documents(COMMUNITY)
        .create({ data: { name: `Bulk ${concurrency} ${i}`, audience } as never });
      ids.push(doc.documentId);
    }
    await pg.strapi.plugin('iflychat').service<SyncService>('sync').idle();
    // The reference, in the same process and moment: N create calls by a plain pool.
    const poolSeconds = await plainPool(emulator, concurrency, BULK);
    const documentManager = pg.strapi.plugin('content-manager').service<{
      publishMany(uid: string, documentIds: string[]): Promise<number>;
    }>('document-manager');
    // When Strapi has sent its own entry.publish event for every entry (its work after commit).
    let events = 0;
    let lastEventAt = 0;
    const onEvent = () => {
      events += 1;
      lastEventAt = Date.now();
      return Promise.resolve();
    };
    pg.strapi.eventHub.on('entry.publish', onEvent);
    const started = Date.now();
    await documentManager.publishMany(COMMUNITY, ids);
    const returned = Date.now();
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const queries = process.env.BENCH_TRACE ? traceQueries(pg.strapi) : null;
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
    await waitForRooms(pg.strapi, BULK, 600_000);
    if (profiler) {
      await profiler.stop(`${process.env.BENCH_PROFILE}-${currentDb}-c${concurrency}.cpuprofile`);
    }
    const cpuUsed = process.cpuUsage(cpu);
    const done = Date.now();
    const busy = performance.eventLoopUtilization(loop).utilization;
    const withRoomId = await pg.strapi.db
      .query(COMMUNITY)
      .count({ where: { roomId: { $notNull: true } } });
    const seconds = (done - returned) / 1000;
    if (queries) {
      queries.stop();
      console.log(queries.summary());
    }
    if (process.env.BENCH_TRACE) {
      const arrivals = (await emulator.state()).requests
        .filter((request) => request.path.endsWith('/room/create'))
        .map((request) => request.at);
      const buckets: number[] = [];
      for (const at of arrivals) {
        const bucket = Math.floor((at - returned) / 100);
        buckets[bucket] = (buckets[bucket] ?? 0) + 1;
      }
      console.log(`create calls per 100 ms: ${Array.from(buckets, (n) => n ?? 0).join(' ')}`);
    }
    const floor = (BULK * LATENCY_MS) / concurrency / 1000;
    pg.strapi.eventHub.off('entry.publish', onEvent);
    const state = await emulator.state();
    const creates = state.requests.filter((r) => r.path.endsWith('/room/create'));
    const firstCall = Math.min(...creates.map((r) => r.at));
    report({
      figure: 'bulk_publish',
      entries: BULK,
      concurrency,
      latency_ms: LATENCY_MS,
      publish_seconds: round((returned - started) / 1000),
      rooms_seconds: round(seconds),
      pool_seconds: round(poolSeconds),
      floor_seconds: round(floor),
      pool_ratio: round(seconds / poolSeconds, 3),
      floor_ratio: round(seconds / floor, 3),
      pool_floor_ratio: round(poolSeconds / floor, 3),
      event_loop_busy: round(busy, 2),
      // CPU time of the Strapi process per room: comparable between runs on a busy machine.
      cpu_ms_per_room: round((cpuUsed.user + cpuUsed.system) / 1000 / BULK, 2),
      rows_with_room_id: withRoomId,
      rooms_in_emulator: state.rooms.length,
      create_calls: creates.length,
      // Until the first call: mostly Strapi's own work after a publish commits (it reads every
      // entry back for its events, which holds the event loop on SQLite).
      first_call_seconds: round((firstCall - returned) / 1000),
      from_first_call_pool_ratio: round((done - firstCall) / 1000 / poolSeconds, 3),
      strapi_events_seconds: round((lastEventAt - returned) / 1000),
      strapi_events: events,
    });
  } finally {
    await pg.close();
  }
}

/**
 * The plugin's own client alone, at the same concurrency, without Strapi or the database: what
 * its HTTP stack allows, next to the floor (a reference, measured once).
 */
async function bareCalls(emulator: RemoteEmulator, concurrency: number) {
  await emulator.reset();
  await emulator.configure({ latencyMs: LATENCY_MS });
  const client = createIflychatClient({
    apiKey: emulator.apiKey,
    apiVersion: '1.1',
    baseUrl: emulator.url,
    timeoutMs: 10_000,
  });
  const calls = Math.max(BARE, concurrency * 16);
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next += 1;
        await client.createRoom({
          name: `Bare ${next}`,
          role: '2',
          private: false,
          moderate: false,
        });
      }
    })
  );
  const seconds = (Date.now() - started) / 1000;
  const floor = (calls * LATENCY_MS) / concurrency / 1000;
  report({
    figure: 'bare_calls',
    calls,
    concurrency,
    latency_ms: LATENCY_MS,
    seconds: round(seconds),
    floor_seconds: round(floor),
    ratio: round(seconds / floor, 3),
  });
}

/** RSS once garbage is collected and the heap has settled (several passes, a pause between). */
async function settledRssMb(): Promise<number> {
  for (let i = 0; i < 5; i += 1) {
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(300);
  }
  return process.memoryUsage().rss / 1024 / 1024;
}

/**
 * RSS growth with PENDING due link rows (each for a published entry) while the worker runs them
 * against the emulator for MEMORY_SECONDS, from the process as booted: the rows are written
 * straight to the table, then the worker is woken.
 */
async function memory(emulator: RemoteEmulator) {
  const concurrency = 16;
  await emulator.reset();
  await emulator.configure({ latencyMs: LATENCY_MS });
  const pg = await quietBoot(emulator, {
    concurrency,
    sweepIntervalSeconds: 3_600,
    contentTypes: { [COMMUNITY]: { roomName: '{name}', roomIdField: 'roomId' } },
  });
  try {
    const sync = pg.strapi.plugin('iflychat').service<SyncService>('sync');
    await sync.idle();
    const before = await settledRssMb();
    const heapBefore = process.memoryUsage().heapUsed / 1024 / 1024;
    await insertPublished(pg.strapi, PENDING, 'Memory', new Date());
    await insertLinks(pg.strapi, await publishedRows(pg.strapi), 'due');
    const written = await settledRssMb();
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 100);
    const started = Date.now();
    sync.wake();
    await sleep(MEMORY_SECONDS * 1000);
    clearInterval(sampler);
    const ran = (Date.now() - started) / 1000;
    const created = await pg.strapi.db.query(ROOM_LINK).count({ where: { status: 'created' } });
    const after = await settledRssMb();
    const heapAfter = process.memoryUsage().heapUsed / 1024 / 1024;
    const behind = await rowsBehind(pg.strapi);
    report({
      figure: 'memory',
      due_rows: PENDING,
      concurrency,
      seconds: round(ran, 1),
      rooms_made: created,
      rooms_per_second: round(created / ran, 1),
      rows_still_behind: behind,
      rss_before_mb: round(before, 1),
      rss_rows_written_mb: round(written, 1),
      rss_after_mb: round(after, 1),
      rss_growth_mb: round(after - before, 1),
      rss_growth_while_running_mb: round(after - written, 1),
      rss_peak_growth_mb: round(peak / 1024 / 1024 - before, 1),
      heap_growth_mb: round(heapAfter - heapBefore, 1),
      gc_exposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    });
  } finally {
    await pg.close();
  }
}

/** Targets: at most this, by figure (and concurrency for the bulk). */
const POOL_TARGETS: Record<number, number> = { 4: 1.05, 16: 1.1, 64: 1.25 };
const FLOOR_TARGETS: Record<number, number> = { 4: 1.1, 16: 1.1, 64: 1.4 };
const AUDIT_TARGET_MS = 50;
const MEMORY_TARGET_MB = 50;
const OVERHEAD_TARGET = 1.05;
const BACKFILL_TARGET = 1.15;

interface Row {
  label: string;
  target: string;
  cells: Map<string, string>;
}

/** `value` beside ✓ or ✗ (against `limit`, when there is one) and its reference. */
function cell(value: string | number, limit: number | undefined, reference: string) {
  const mark = limit === undefined ? '' : Number(value) <= limit ? ' ✓' : ' ✗';
  return `${value}${mark} (${reference})`;
}

function table() {
  const rows: Row[] = [];
  const columns: string[] = [];
  const put = (label: string, target: string, db: string, text: string) => {
    if (!columns.includes(db)) columns.push(db);
    let row = rows.find((r) => r.label === label);
    if (!row) {
      row = { label, target, cells: new Map() };
      rows.push(row);
    }
    row.cells.set(db, text);
  };
  for (const r of results) {
    const db = r.db === 'none' ? 'no database' : String(r.db);
    if (r.figure === 'publish_overhead') {
      put(
        'publish overhead, median',
        `≤ ${OVERHEAD_TARGET}`,
        db,
        cell(
          r.median_ratio as number,
          OVERHEAD_TARGET,
          `${r.bound_median_ms} vs ${r.unbound_median_ms} ms unbound`
        )
      );
      put(
        'publish overhead, p95',
        '',
        db,
        cell(r.p95_ratio as number, undefined, `${r.bound_p95_ms} vs ${r.unbound_p95_ms} ms`)
      );
    } else if (r.figure === 'bulk_publish') {
      const c = Number(r.concurrency);
      put(
        `bulk ${r.entries} @${c}, × pool`,
        POOL_TARGETS[c] ? `≤ ${POOL_TARGETS[c]}` : '',
        db,
        cell(
          r.pool_ratio as number,
          POOL_TARGETS[c],
          `${r.rooms_seconds} s vs pool ${r.pool_seconds} s`
        )
      );
      put(
        `bulk ${r.entries} @${c}, × floor`,
        FLOOR_TARGETS[c] ? `≤ ${FLOOR_TARGETS[c]}` : '',
        db,
        cell(
          r.floor_ratio as number,
          FLOOR_TARGETS[c],
          `floor ${r.floor_seconds} s; pool ${r.pool_floor_ratio} × floor`
        )
      );
      // Before the first call, Strapi reads every entry back for its own events (the same work
      // tells a site's webhook receiver): shown apart, so that the plugin's share can be seen.
      put(
        `bulk ${r.entries} @${c}, from 1st call × pool`,
        'reference',
        db,
        cell(
          r.from_first_call_pool_ratio as number,
          undefined,
          `Strapi's events ${r.strapi_events_seconds} s, first call at ${r.first_call_seconds} s`
        )
      );
    } else if (r.figure === 'audit_tick') {
      put(
        `audit tick, ${r.entries} entries (ms)`,
        `≤ ${AUDIT_TARGET_MS}`,
        db,
        cell(
          r.median_ms as number,
          AUDIT_TARGET_MS,
          `median of ${r.ticks}; max ${r.max_ms} ms; marked ${r.marked}`
        )
      );
    } else if (r.figure === 'memory') {
      put(
        `RSS growth, ${r.due_rows} due rows (MB)`,
        `≤ ${MEMORY_TARGET_MB}`,
        db,
        cell(
          r.rss_growth_mb as number,
          MEMORY_TARGET_MB,
          `peak +${r.rss_peak_growth_mb} MB; ${r.rooms_made} rooms in ${r.seconds} s`
        )
      );
    } else if (r.figure === 'backfill') {
      put(
        `backfill ${r.entries} @16, × floor`,
        `≤ ${BACKFILL_TARGET}`,
        db,
        cell(
          r.ratio as number,
          BACKFILL_TARGET,
          `${r.rooms_seconds} s vs floor ${r.floor_seconds} s; progress ${r.progress_median_ms} ms`
        )
      );
    } else if (r.figure === 'bare_calls') {
      put(
        `plugin client alone @${r.concurrency}, × floor`,
        'reference',
        db,
        cell(
          r.ratio as number,
          undefined,
          `${r.calls} calls, ${r.seconds} s vs floor ${r.floor_seconds} s`
        )
      );
    }
  }
  const header = ['figure', 'target', ...columns];
  const lines = [
    header,
    ...rows.map((row) => [row.label, row.target, ...columns.map((db) => row.cells.get(db) ?? '')]),
  ];
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i].length)));
  console.log(
    [
      '',
      ...lines.map((line) =>
        line
          .map((text, i) => text.padEnd(widths[i]))
          .join('  ')
          .trimEnd()
      ),
    ].join('\n')
  );
  console.log(
    `\n${LATENCY_MS} ms emulator latency; ✓/✗ against the target; references in parentheses (pool: the same create calls by plain fetch workers in the same run; floor: N × latency ÷ concurrency).`
  );
}

/** Runs `measure` on `db`: PostgreSQL is a throwaway server, a fresh database for each boot. */
async function onDatabase(db: Database, measure: () => Promise<void>) {
  const before = { ...process.env };
  const server = db === 'postgres' ? await startPostgres() : null;
  if (server) process.env[PG_ADMIN_URL] = server.adminUrl;
  currentDb = db;
  try {
    await measure();
  } finally {
    currentDb = 'none';
    // Each boot writes its DATABASE_* environment: the next database starts from a clean one.
    for (const key of Object.keys(process.env)) {
      if ((key.startsWith('DATABASE_') || key === PG_ADMIN_URL) && !(key in before)) {
        delete process.env[key];
      }
    }
    await server?.stop();
  }
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  process.env.STRAPI_LOG_LEVEL ??= 'error';
  await compileStrapi({ appDir: PLAYGROUND });
  // The emulator runs in a process of its own, as iFlyChat runs on another machine.
  const emulator = await startRemoteEmulator(LATENCY_MS);
  try {
    const wanted = (name: string) =>
      !ONLY ||
      ONLY.includes(name) ||
      ONLY.every((n) => (DATABASES as readonly string[]).includes(n));
    const dbs = databases();
    for (const db of dbs) {
      await onDatabase(db, async () => {
        // Memory first, while the process is fresh.
        if (wanted('memory')) await memory(emulator);
        if (wanted('overhead')) await publishOverhead(emulator);
        if (wanted('bulk')) {
          for (const concurrency of CONCURRENCIES) await bulk(emulator, concurrency);
        }
        if (wanted('audit')) for (const size of AUDIT_SIZES) await auditTick(emulator, size);
        if (wanted('backfill') && db === 'sqlite') await backfill(emulator);
      });
    }
    if (wanted('bare')) {
      for (const concurrency of CONCURRENCIES) await bareCalls(emulator, concurrency);
    }
  } finally {
    await emulator.stop();
  }
  table();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
