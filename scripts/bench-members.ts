/**
 * Members-only rooms in chat tokens, measured, not a test: `node -r esbuild-register
 * scripts/bench-members.ts` (after `npm run build`). Boots the playground (SQLite, listening on
 * 127.0.0.1) with Community bound to its `members`, against the emulator in its own process, and
 * prints JSON lines:
 *
 * - the median time of a token answer for a user who is a member of BENCH_MEMBER_ROOMS (1,000)
 *   published Communities with a room, as a ratio to a user of the same role who is a member of
 *   none (target ≤ 2), first asked (a call to iFlyChat) and cached;
 * - the cached answer for the member as a ratio to a plain `GET /api/users/me` (for comparison).
 *
 * Environment: BENCH_MEMBER_ROOMS (1000), BENCH_MEMBER_SAMPLES (200), BENCH_TOKEN_LATENCY_MS (50).
 */
import { performance } from 'node:perf_hooks';

import { compileStrapi } from '@strapi/strapi';

import { startRemoteEmulator } from '../tests/emulator/remote';
import {
  bootPlayground,
  COMMUNITY,
  PLAYGROUND,
  playgroundConfig,
  roleId,
} from '../tests/helpers/playground';

const ROOMS = Number(process.env.BENCH_MEMBER_ROOMS ?? 1000);
const SAMPLES = Number(process.env.BENCH_MEMBER_SAMPLES ?? 200);
const LATENCY_MS = Number(process.env.BENCH_TOKEN_LATENCY_MS ?? 50);

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function timed(url: string, jwt: string, method: 'GET' | 'POST') {
  const started = performance.now();
  const response = await fetch(url, { method, headers: { Authorization: `Bearer ${jwt}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  await compileStrapi({ appDir: PLAYGROUND });
  const emulator = await startRemoteEmulator(LATENCY_MS);
  const pg = await bootPlayground({
    listen: true,
    pluginConfig: playgroundConfig(emulator, {
      appId: 'bench-app',
      timeoutMs: 10_000,
      memberRoomsPerToken: Math.max(ROOMS, 1),
      tokenRequestsPerMinute: 10_000,
      contentTypes: {
        [COMMUNITY]: {
          roomName: '{name}',
          roomIdField: 'roomId',
          roomRole: { members: 'members' },
        },
      },
    }),
  });
  try {
    const strapi = pg.strapi;
    const role = await roleId(strapi, 'authenticated');
    await strapi.db
      .query('plugin::users-permissions.permission')
      .create({ data: { action: 'plugin::iflychat.token.generate', role } });
    const users = strapi.plugin('users-permissions').service<{
      add(values: Record<string, unknown>): Promise<{ id: number }>;
    }>('user');
    const jwt = strapi
      .plugin('users-permissions')
      .service<{ issue(payload: object): string }>('jwt');
    const ids: Record<string, number> = {};
    for (const name of ['member', 'nobody']) {
      const user = await users.add({
        username: name,
        email: `${name}@bench.local`,
        password: 'Bench-User-Pass-1',
        provider: 'local',
        confirmed: true,
        role,
      });
      ids[name] = user.id;
    }
    // Published entries with a room, listing the member: written directly, as the worker would
    // have left them (no room is created in the emulator for them).
    await strapi.db.transaction(async () => {
      for (let i = 0; i < ROOMS; i += 1) {
        await strapi.db.query(COMMUNITY).create({
          data: {
            documentId: `benchmembers${String(i).padStart(12, '0')}`,
            name: `Community ${i}`,
            roomId: String(1_000_000 + i),
            publishedAt: new Date(),
            members: [ids.member],
          },
        });
      }
    });

    const figures: Record<string, { first: number; cached: number; me: number }> = {};
    for (const name of ['nobody', 'member']) {
      const token = jwt.issue({ id: ids[name] });
      const first = await timed(`${pg.url}/api/iflychat/token`, token, 'POST');
      const cached: number[] = [];
      const me: number[] = [];
      for (let i = 0; i < SAMPLES; i += 1) {
        cached.push(await timed(`${pg.url}/api/iflychat/token`, token, 'POST'));
        me.push(await timed(`${pg.url}/api/users/me`, token, 'GET'));
      }
      figures[name] = { first, cached: median(cached), me: median(me) };
    }
    const { member, nobody } = figures;
    console.log(
      JSON.stringify({
        figure: 'member_rooms_token',
        rooms: ROOMS,
        samples: SAMPLES,
        first_ms: { member: round(member.first), none: round(nobody.first) },
        cached_median_ms: { member: round(member.cached), none: round(nobody.cached) },
        cached_ratio: round(member.cached / nobody.cached),
        target_ratio: 2,
        member_cached_vs_users_me: round(member.cached / member.me),
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
