/**
 * `npm run bench`: measured figures, not a test. Boots the playground (SQLite) against the
 * emulator at a fixed latency and prints JSON lines, then a short table.
 *
 * - publish overhead: median and p95 of `documents().publish` on the bound Community versus the
 *   unbound Group (same schema), alternating, in the same run;
 * - bulk: N entries published at once through the Content Manager's bulk publish service; seconds
 *   from its return until every roomId is written, next to the floor N × latency ÷ concurrency;
 * - memory: RSS growth of the process while 100,000 link rows are pending;
 * - sweep: one sweep tick on a bound type of 10,000 and of 100,000 published entries;
 * - bare: the same create calls through the plugin's client alone (no Strapi), the reference
 *   for the bulk figures;
 * - backfill: "Create rooms for existing entries" on 10,000 entries at concurrency 16, with
 *   its progress read every second as the settings page does, next to its floor.
 *
 * The emulator runs in a child process, so that its work does not share Strapi's event loop.
 *
 * Environment: BENCH_LATENCY_MS (100), BENCH_PUBLISHES (200), BENCH_BULK (1000),
 * BENCH_CONCURRENCY ("4,16,64"), BENCH_PENDING (100000), BENCH_SWEEP ("10000,100000"),
 * BENCH_BACKFILL (10000), BENCH_BARE (400), BENCH_ONLY (e.g. "bulk,bare,memory,sweep,backfill,overhead").
 * BENCH_TRACE=1 also prints, for each bulk run, the SQL run while the rooms were made (by
 * statement shape, with its total time) and the create calls per 100 ms; BENCH_TRACE_SQL=text
 * prints the stack of the first statement containing that text. BENCH_PROFILE=path writes a CPU
 * profile of each bulk run while its rooms are made (`path-c16.cpuprofile`).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';

import { compileStrapi } from '@strapi/strapi';
import type { Core } from '@strapi/strapi';

import { createIflychatClient } from '../server/src/iflychat/client';
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

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 200);
const BULK = Number(process.env.BENCH_BULK ?? 1000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '4,16,64').split(',').map(Number);
const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const SWEEP_SIZES = (process.env.BENCH_SWEEP ?? '10000,100000').split(',').map(Number);
const BACKFILL = Number(process.env.BENCH_BACKFILL ?? 10_000);
const BARE = Number(process.env.BENCH_BARE ?? 400);
const ROOM_LINK = 'plugin::iflychat.room-link';

type Figure = Record<string, string | number | boolean>;

const results: Figure[] = [];

function report(figure: Figure) {
  results.push(figure);
  console.log(JSON.stringify(figure));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function quietBoot(emulator: RemoteEmulator, overrides: Record<string, unknown>) {
  return bootPlayground({
    pluginConfig: playgroundConfig(emulator, { timeoutMs: 10_000, leaseSeconds: 60, ...overrides }),
  });
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

/** Writes `count` published communities straight to the database, 500 a query. */
async function insertPublished(strapi: Core.Strapi, count: number, prefix: string, at: Date) {
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
      name: `${prefix} ${start + i}`,
      publishedAt: at,
      createdAt: at,
      updatedAt: at,
    }));
    await strapi.db.query(COMMUNITY).createMany({ data: rows });
  }
}

/**
 * One sweep tick on a bound type of `size` entries, in its steady state: the binding is older
 * than the late-commit margin, and the entries were published before the last tick.
 */
async function sweepTick(emulator: RemoteEmulator, size: number) {
  const pg = await quietBoot(emulator, { concurrency: 4 });
  try {
    const sync = pg.strapi.plugin('iflychat').service<SyncService>('sync');
    await sync.idle();
    await insertPublished(pg.strapi, size, 'Sweep', new Date(Date.now() - 86_400_000));
    // As the state stands once the binding is older than the margin (ten minutes).
    const store = pg.strapi.store({ type: 'plugin', name: 'iflychat' });
    const [last] = (await pg.strapi.db
      .query(COMMUNITY)
      .findMany({ select: ['id'], orderBy: { id: 'desc' }, limit: 1 })) as Array<{ id: number }>;
    const longAgo = new Date(Date.now() - 3_600_000).toISOString();
    await store.set({
      key: 'sync-state',
      value: { [COMMUNITY]: { boundSince: longAgo, cursors: [{ at: longAgo, maxId: last.id }] } },
    });
    const timings: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      await sync.sweep();
      timings.push(performance.now() - started);
    }
    report({
      figure: 'sweep_tick',
      entries: size,
      median_ms: round(quantile(timings, 0.5)),
      max_ms: round(Math.max(...timings)),
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
    if (profiler) await profiler.stop(`${process.env.BENCH_PROFILE}-c${concurrency}.cpuprofile`);
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
    const firstCall = Math.min(
      ...state.requests.filter((r) => r.path.endsWith('/room/create')).map((r) => r.at)
    );
    report({
      figure: 'bulk_publish',
      entries: BULK,
      concurrency,
      latency_ms: LATENCY_MS,
      publish_seconds: round((returned - started) / 1000),
      rooms_seconds: round(seconds),
      floor_seconds: round(floor),
      ratio: round(seconds / floor, 3),
      event_loop_busy: round(busy, 2),
      // CPU time of the Strapi process per room: comparable between runs on a busy machine.
      cpu_ms_per_room: round((cpuUsed.user + cpuUsed.system) / 1000 / BULK, 2),
      rows_with_room_id: withRoomId,
      rooms_in_emulator: state.rooms.length,
      // Until the first call: mostly Strapi's own work after a publish commits (it reads every
      // entry back for its events, which holds the event loop on SQLite).
      first_call_seconds: round((firstCall - returned) / 1000),
      strapi_events_seconds: round((lastEventAt - returned) / 1000),
      strapi_events: events,
    });
  } finally {
    await pg.close();
  }
}

/**
 * The reference for the bulk figures: create calls through the plugin's own client alone, at the
 * same concurrency, without Strapi or jobs. What HTTP and the emulator allow, next to the floor.
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

async function memory(emulator: RemoteEmulator) {
  await emulator.reset();
  // iFlyChat answers slowly: the queue stays full while memory is measured.
  await emulator.configure({ latencyMs: 5_000 });
  const pg = await quietBoot(emulator, {
    concurrency: 4,
    contentTypes: { [COMMUNITY]: { roomName: '{name}', roomIdField: 'roomId' } },
  });
  try {
    const before = await settledRssMb();
    const heapBefore = process.memoryUsage().heapUsed / 1024 / 1024;
    // Published entries written in bulk, then queued by the backfill: real jobs, all due.
    await insertPublished(pg.strapi, PENDING, 'Memory', new Date());
    const sync = pg.strapi.plugin('iflychat').service<SyncService>('sync');
    sync.startBackfill(COMMUNITY);
    await sync.backfillsDone();
    await sync.sweep();
    // Let the worker go through the queue (four calls at a time, five seconds each) a while.
    await sleep(6_000);
    const after = await settledRssMb();
    const heapAfter = process.memoryUsage().heapUsed / 1024 / 1024;
    const pending = await pg.strapi.db.query(ROOM_LINK).count({ where: { status: 'pending' } });
    report({
      figure: 'memory',
      pending_rows: pending,
      rss_before_mb: round(before, 1),
      rss_after_mb: round(after, 1),
      rss_growth_mb: round(after - before, 1),
      heap_growth_mb: round(heapAfter - heapBefore, 1),
      gc_exposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    });
  } finally {
    await emulator.configure({ latencyMs: LATENCY_MS });
    await pg.close();
  }
}

const BULK_TARGETS: Record<number, string> = { 4: '≤ 1.05', 16: '≤ 1.10', 64: '≤ 1.30' };

function table() {
  const lines = ['', 'figure                         measured        target'];
  for (const r of results) {
    if (r.figure === 'publish_overhead') {
      lines.push(
        `publish overhead (median)      ${String(r.median_ratio).padEnd(16)}≤ 1.10  (${r.bound_median_ms} ms bound vs ${r.unbound_median_ms} ms unbound)`,
        `publish overhead (p95)         ${String(r.p95_ratio).padEnd(16)}        (${r.bound_p95_ms} ms vs ${r.unbound_p95_ms} ms)`
      );
    } else if (r.figure === 'bulk_publish') {
      lines.push(
        `bulk ${r.entries} at concurrency ${String(r.concurrency).padEnd(3)}   ${String(r.ratio).padEnd(16)}${BULK_TARGETS[Number(r.concurrency)] ?? ''}  (${r.rooms_seconds} s vs floor ${r.floor_seconds} s)`
      );
    } else if (r.figure === 'bare_calls') {
      lines.push(
        `  the client alone, conc. ${String(r.concurrency).padEnd(3)}  ${String(r.ratio).padEnd(16)}(reference: ${r.calls} create calls, ${r.seconds} s vs floor ${r.floor_seconds} s)`
      );
    } else if (r.figure === 'sweep_tick') {
      lines.push(
        `sweep tick, ${String(r.entries).padEnd(7)} entries    ${`${r.median_ms} ms`.padEnd(16)}≤ 50 ms (max ${r.max_ms} ms)`
      );
    } else if (r.figure === 'backfill') {
      lines.push(
        `backfill ${r.entries} at conc. 16    ${String(r.ratio).padEnd(16)}≤ 1.15  (${r.rooms_seconds} s vs floor ${r.floor_seconds} s; progress ${r.progress_median_ms} ms)`
      );
    } else if (r.figure === 'memory') {
      lines.push(
        `RSS growth, ${r.pending_rows} pending      ${`${r.rss_growth_mb} MB`.padEnd(16)}≤ 50 MB`
      );
    }
  }
  console.log(lines.join('\n'));
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  process.env.STRAPI_LOG_LEVEL ??= 'error';
  await compileStrapi({ appDir: PLAYGROUND });
  // The emulator runs in a process of its own, as iFlyChat runs on another machine.
  const emulator = await startRemoteEmulator(LATENCY_MS);
  try {
    const only = process.env.BENCH_ONLY?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    // Memory first, while the process is fresh.
    if (wanted('memory')) await memory(emulator);
    if (wanted('overhead')) await publishOverhead(emulator);
    if (wanted('bulk')) for (const concurrency of CONCURRENCIES) await bulk(emulator, concurrency);
    if (wanted('bare')) {
      for (const concurrency of CONCURRENCIES) await bareCalls(emulator, concurrency);
    }
    if (wanted('sweep')) for (const size of SWEEP_SIZES) await sweepTick(emulator, size);
    if (wanted('backfill')) await backfill(emulator);
  } finally {
    await emulator.stop();
  }
  table();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
