/**
 * Chat-token revocation across instances: two Strapi processes on one PostgreSQL database, the
 * emulator recording every token call. A token issued by one instance is deleted in iFlyChat
 * within seconds of its user being blocked through the other — after a restart too, when the
 * first delete fails, and when the block lands while the token is being issued.
 */
import type { Publisher } from '../helpers/processes';
import { useInstances } from '../helpers/instances';
import { waitFor } from '../helpers/playground';

const rig = useInstances({
  name: 'revocation',
  latencyMs: 0,
  pluginConfig: {
    appId: 'app-revocation',
    timeoutMs: 1_000,
    leaseSeconds: 5,
    retryBaseDelayMs: 200,
    retryMaxDelayMs: 1_000,
    sweepIntervalSeconds: 5,
  },
});

let a: Publisher;
let b: Publisher;
let env: Record<string, string>;
let sequence = 0;

// Every instance with the same environment (one admin.secrets.encryptionKey, as on a site).
const start = (prefix: string) =>
  rig.start({ env, prefix, count: 0, script: 'token-instance.js', stdin: true });

/** Sends a command to an instance and waits for its answer. */
async function ask(instance: Publisher, op: string, args: Record<string, unknown>) {
  sequence += 1;
  const key = `r${sequence}`;
  instance.send({ id: sequence, op, ...args });
  await instance.until((p) => Object.hasOwn(p.last, key), 30_000, `the answer to ${op}`);
  return instance.last[key];
}

async function issue(instance: Publisher, userId: number): Promise<string> {
  const token = await ask(instance, 'issue', { userId });
  if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(token)}`);
  return token;
}

const grantsOf = (userId: number) =>
  rig.database.query('SELECT id FROM iflychat_token_grants WHERE user_id = $1', [userId]);
const known = (token: string) => rig.emulator.tokens.some((issued) => issued.key === token);
const deletes = (token: string) => rig.emulator.requestsTo(`/token/${token}/delete`);

beforeAll(async () => {
  env = rig.env();
  // A creates the schema; B starts on top of it.
  a = start('Instance A');
  await a.until((p) => p.ready, 120_000, 'A ready');
  b = start('Instance B');
  await b.until((p) => p.ready, 120_000, 'B ready');
}, 240_000);

// The rig stops every instance it started.

it('a token issued by B is deleted in iFlyChat within seconds of a block through A, once', async () => {
  const userId = Number(await ask(a, 'user', { username: 'ursula' }));
  const token = await issue(b, userId);
  expect(known(token)).toBe(true);
  const blocked = Date.now();
  await ask(a, 'block', { userId });
  await waitFor(() => !known(token), 5_000);
  expect(Date.now() - blocked).toBeLessThan(5_000);
  // Both workers run; the lease lets only one of them delete it, and then the row is gone.
  await waitFor(async () => (await grantsOf(userId)).length === 0);
  expect(deletes(token)).toHaveLength(1);
});

it('the same after B restarts: the restarted B reuses the recorded token, and the block deletes it', async () => {
  const userId = Number(await ask(a, 'user', { username: 'victor' }));
  const token = await issue(b, userId);
  await b.kill('SIGKILL');
  b = start('Instance B again');
  await b.until((p) => p.ready, 120_000, 'B ready again');
  const generated = rig.emulator.requestsTo('token/generate').length;
  expect(await issue(b, userId)).toBe(token);
  expect(rig.emulator.requestsTo('token/generate')).toHaveLength(generated);
  await ask(a, 'block', { userId });
  await waitFor(() => !known(token), 5_000);
});

it('the same when the first delete call fails: it is retried until it lands', async () => {
  const userId = Number(await ask(a, 'user', { username: 'wanda' }));
  const token = await issue(b, userId);
  rig.emulator.configure({ faults: [{ kind: 'status', status: 503, path: '/delete', times: 1 }] });
  await ask(a, 'block', { userId });
  await waitFor(() => !known(token), 10_000);
  expect(deletes(token).length).toBeGreaterThanOrEqual(2);
  expect(deletes(token)[0].outcome).toBe('fault 503');
});

it('a block that lands while B is issuing the token is caught', async () => {
  const userId = Number(await ask(a, 'user', { username: 'xena' }));
  const userKey = `strapi-${userId}`;
  const isIssuing = () =>
    rig.emulator.requestsTo('token/generate').some((call) => call.body.user_id === userKey);
  const release = rig.emulator.hold('token/generate');
  sequence += 1;
  const key = `r${sequence}`;
  b.send({ id: sequence, op: 'issue', userId });
  await waitFor(isIssuing, 10_000);
  await ask(a, 'block', { userId });
  release();
  await b.until((p) => Object.hasOwn(p.last, key), 30_000, 'the racing issue');
  expect(b.last[key]).toEqual({ error: expect.stringMatching(/blocked/) });
  await waitFor(() => rig.emulator.tokens.every((issued) => issued.user_id !== userKey), 10_000);
});
