/** The link row's transitions, as pure functions. */
import { retryDelayMs } from '../../server/src/sync/backoff';
import {
  claimedJob,
  claimPatch,
  exhausted,
  finalOutcome,
  outcomePatch,
  unstartedPatch,
  type ClaimedJob,
  type RoomLink,
} from '../../server/src/sync/job-state';
import { linkRow } from './link-row';

const at = new Date('2030-01-01T00:00:00Z');

const row = linkRow;

const claim = (overrides: Partial<RoomLink> = {}): ClaimedJob => {
  const read = row(overrides);
  return claimedJob(read, claimPatch(read, at));
};

describe('claims', () => {
  it('raise the fencing token and the attempts on every claim, and mark "may have created"', () => {
    const patch = claimPatch(row({ fence: 41, attempts: 2 }), at);
    expect(patch).toMatchObject({ status: 'processing', fence: 42, attempts: 3 });
    expect(patch.mayHaveCreated).toBe(true);
    // A row from before the token existed starts at 1.
    expect(claimPatch(row({ fence: null }), at).fence).toBe(1);
  });

  it('a delete never marks "may have created"', () => {
    expect(claimPatch(row({ operation: 'delete' }), at).mayHaveCreated).toBe(false);
  });

  it('the claimed job keeps the mark as it was before the attempt', () => {
    expect(claim({ mayHaveCreated: false }).mayHaveCreated).toBe(false);
  });
});

describe('poison jobs: every claim counts toward maxAttempts', () => {
  it('a job claimed past maxAttempts fails before any work, with its last reason', () => {
    const job = claim({ attempts: 3, lastError: 'iFlyChat did not answer' });
    expect(exhausted(job, 3)).toEqual({
      kind: 'failed',
      reason: 'gave up after 3 attempts: iFlyChat did not answer',
      mayHaveCreated: false,
    });
    expect(exhausted(claim({ attempts: 2 }), 3)).toBeNull();
  });

  it('a job whose worker died each time says so', () => {
    const outcome = exhausted(claim({ attempts: 8, status: 'processing' }), 8);
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect((outcome as { reason: string }).reason).toMatch(/stopped each time/);
  });

  it('a retry on the last attempt is a failure', () => {
    const retry = { kind: 'retry' as const, reason: 'HTTP 503', mayHaveCreated: false };
    expect(finalOutcome(claim({ attempts: 2 }), retry, 3)).toMatchObject({
      kind: 'failed',
      reason: 'gave up after 3 attempts: HTTP 503',
    });
    expect(finalOutcome(claim({ attempts: 1 }), retry, 3)).toBe(retry);
  });

  it('a job given back unstarted gets its attempt back', () => {
    expect(unstartedPatch(claim({ attempts: 2, status: 'retrying' }))).toMatchObject({
      status: 'retrying',
      attempts: 2,
    });
  });
});

describe('outcomes', () => {
  const synced = {
    kind: 'synced' as const,
    roomId: '5',
    room: { name: 'A', role: '0', private: false, moderate: false },
    event: 'created' as const,
  };

  it('a made room is created, with its state recorded', () => {
    expect(outcomePatch(claim(), synced, { operation: 'sync', runAgain: false }, at)).toMatchObject(
      { status: 'created', roomId: '5', roomName: 'A', roomRole: '0', lastError: null }
    );
  });

  it('a publish while the job ran ("run again") queues it once more', () => {
    const patch = outcomePatch(claim(), synced, { operation: 'sync', runAgain: true }, at);
    expect(patch).toMatchObject({ status: 'pending', roomId: '5', runAgain: false, attempts: 0 });
    const failed = { kind: 'failed' as const, reason: 'x', mayHaveCreated: false };
    expect(outcomePatch(claim(), failed, { operation: 'sync', runAgain: true }, at)).toMatchObject({
      status: 'pending',
      lastError: 'x',
    });
  });

  it('a delete queued while the job ran comes next', () => {
    expect(
      outcomePatch(claim(), synced, { operation: 'delete', runAgain: false }, at)
    ).toMatchObject({ status: 'pending', operation: 'delete', roomId: '5' });
  });

  it('a recreate that made its room is a plain sync again', () => {
    const job = claim({ operation: 'recreate' });
    expect(
      outcomePatch(job, synced, { operation: 'recreate', runAgain: false }, at).operation
    ).toBe('sync');
  });

  it('a called-off delete that then fails leaves the published entry queued, not failed', () => {
    const job = claim({ operation: 'delete', roomId: '5' });
    const failed = { kind: 'failed' as const, reason: 'HTTP 403', mayHaveCreated: false };
    expect(outcomePatch(job, failed, { operation: 'sync', runAgain: false }, at)).toMatchObject({
      status: 'pending',
    });
    expect(outcomePatch(job, failed, { operation: 'delete', runAgain: false }, at)).toMatchObject({
      status: 'failed',
    });
  });

  it('a recreate whose old room went forgets it, even when it fails', () => {
    const job = claim({ operation: 'recreate', roomId: '5' });
    const failed = {
      kind: 'failed' as const,
      reason: 'x',
      mayHaveCreated: false,
      roomDropped: true,
    };
    expect(outcomePatch(job, failed, { operation: 'recreate', runAgain: false }, at)).toMatchObject(
      { status: 'failed', roomId: null }
    );
  });

  it('a retry is due after its delay', () => {
    const retry = { kind: 'retry' as const, reason: 'x', mayHaveCreated: true };
    const patch = outcomePatch(claim(), retry, { operation: 'sync', runAgain: false }, at, 4_000);
    expect(patch).toMatchObject({ status: 'retrying', mayHaveCreated: true });
    expect(patch.nextAttemptAt).toEqual(new Date(at.getTime() + 4_000));
  });
});

describe('retry delays', () => {
  it('a Retry-After is capped by retryMaxDelayMs', () => {
    expect(retryDelayMs(1, 86_400, () => 0.5, { baseMs: 1_000, maxMs: 60_000 })).toBe(60_000);
    expect(retryDelayMs(1, 30, () => 0.5, { baseMs: 1_000, maxMs: 60_000 })).toBe(30_000);
  });
});

describe('stored reasons', () => {
  it('keep no control characters, so a reason cannot forge log lines or hide text', () => {
    const now = { operation: 'sync' as const, runAgain: false };
    const reason = 'iFlyChat said: bad\r\n[iflychat] room 7 created\u202e\u0007 ok';
    for (const kind of ['failed', 'retry'] as const) {
      const patch = outcomePatch(claim(), { kind, reason, mayHaveCreated: false }, now, at, 1000);
      expect(patch.lastError).toBe('iFlyChat said: bad [iflychat] room 7 created ok');
    }
  });
});
