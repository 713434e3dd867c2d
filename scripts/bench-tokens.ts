/**
 * `npm run bench` (second part): chat-token figures, measured, not a test. Boots the playground
 * (SQLite, listening on 127.0.0.1) against the emulator in its own process and prints JSON lines.
 *
 * - calls: 1,000 `POST /api/iflychat/token` from 100 signed-in users (20 at a time) → how many
 *   `token/generate` calls reached iFlyChat (one per user is the most there should be);
 * - cached answer: the median time of a token answer served from the cache, as a ratio to a plain
 *   `GET /api/communities` by the same users, alternating, in the same run (target ≤ 1.2).
 *
 * Environment: BENCH_TOKEN_LATENCY_MS (50), BENCH_TOKEN_USERS (100), BENCH_TOKEN_REQUESTS (1000),
 * BENCH_TOKEN_SAMPLES (500).
 */
import { performance } from 'node:perf_hooks';

import { compileStrapi } from '@strapi/strapi';
import type { Core } from '@strapi/strapi';

import { startRemoteEmulator } from '../tests/emulator/remote';
import { bootPlayground, PLAYGROUND, playgroundConfig, roleId } from '../tests/helpers/playground';

const LATENCY_MS = Number(process.env.BENCH_TOKEN_LATENCY_MS ?? 50);
const USERS = Number(process.env.BENCH_TOKEN_USERS ?? 100);
const REQUESTS = Number(process.env.BENCH_TOKEN_REQUESTS ?? 1000);
const SAMPLES = Number(process.env.BENCH_TOKEN_SAMPLES ?? 500);
const PARALLEL = 20;

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function createUsers(strapi: Core.Strapi, prefix: string, count: number) {
  const role = await roleId(strapi, 'authenticated');
  const jwt = strapi.plugin('users-permissions').service<{ issue(payload: object): string }>('jwt');
  const users = strapi.plugin('users-permissions').service<{
    add(values: Record<string, unknown>): Promise<{ id: number }>;
  }>('user');
  const jwts: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const user = await users.add({
      username: `${prefix}${i}`,
      email: `${prefix}${i}@bench.local`,
      password: 'Bench-User-Pass-1',
      provider: 'local',
      confirmed: true,
      blocked: false,
      role,
    });
    jwts.push(jwt.issue({ id: user.id }));
  }
  return jwts;
}

async function timed(url: string, jwt: string, method: 'GET' | 'POST') {
  const started = performance.now();
  const response = await fetch(url, { method, headers: { Authorization: `Bearer ${jwt}` } });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  await compileStrapi({ appDir: PLAYGROUND });
  const emulator = await startRemoteEmulator(LATENCY_MS);
  const pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, { appId: 'bench-app', timeoutMs: 10_000 }),
  });
  try {
    const strapi = pg.strapi;
    const authenticated = await roleId(strapi, 'authenticated');
    for (const action of ['plugin::iflychat.token.generate', 'api::community.community.find']) {
      await strapi.db
        .query('plugin::users-permissions.permission')
        .create({ data: { action, role: authenticated } });
    }
    for (let i = 0; i < 10; i += 1) {
      await strapi.documents('api::community.community').create({
        data: { name: `Community ${i}`, audience: authenticated } as never,
      });
    }

    // Every user first: a pause between requests would let Strapi close idle connections.
    const callers = await createUsers(strapi, 'caller', USERS);
    const readers = await createUsers(strapi, 'reader', Math.ceil(SAMPLES / 8));

    // 1. Many requests, few calls.
    const before = (await emulator.state()).requests.length;
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < REQUESTS) {
          const index = next;
          next += 1;
          const { status } = await timed(
            `${pg.url}/api/iflychat/token`,
            callers[index % USERS],
            'POST'
          );
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      })
    );
    const seconds = (performance.now() - started) / 1000;
    const requests = (await emulator.state()).requests.slice(before);
    console.log(
      JSON.stringify({
        figure: 'token_calls',
        users: USERS,
        requests: REQUESTS,
        emulator_latency_ms: LATENCY_MS,
        statuses: Object.fromEntries(statuses),
        token_generate_calls: requests.filter((r) => r.path.endsWith('/token/generate')).length,
        seconds: round(seconds, 2),
      })
    );

    // 2. A cached token against a plain content request, alternating, by fresh users (each user
    // may ask 10 times a minute: one call to fill the cache, then cached answers).
    for (const jwt of readers) await timed(`${pg.url}/api/iflychat/token`, jwt, 'POST');
    const token: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      const jwt = readers[i % readers.length];
      const first = i % 2 === 0;
      const a = await timed(
        `${pg.url}/api/${first ? 'iflychat/token' : 'communities'}`,
        jwt,
        first ? 'POST' : 'GET'
      );
      const b = await timed(
        `${pg.url}/api/${first ? 'communities' : 'iflychat/token'}`,
        jwt,
        first ? 'GET' : 'POST'
      );
      const [tokenRun, plainRun] = first ? [a, b] : [b, a];
      if (tokenRun.status !== 200 || plainRun.status !== 200) {
        throw new Error(`unexpected statuses ${tokenRun.status} / ${plainRun.status}`);
      }
      token.push(tokenRun.ms);
      plain.push(plainRun.ms);
    }
    const tokenMedian = median(token);
    const plainMedian = median(plain);
    console.log(
      JSON.stringify({
        figure: 'cached_token_answer',
        samples: SAMPLES,
        token_median_ms: round(tokenMedian),
        communities_median_ms: round(plainMedian),
        ratio: round(tokenMedian / plainMedian),
        target_ratio: 1.2,
      })
    );
  } finally {
    await pg.close();
    await emulator.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
