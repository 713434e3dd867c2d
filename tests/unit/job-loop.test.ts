/**
 * The job loop with a fake queue: jobs handed over by intake while the loop claims, or while it
 * waits for running jobs, are run (not dropped, not kept waiting), and jobs handed over after a
 * stop go back to the queue before `stop()` returns.
 */
import { createJobLoop, type JobLoopOptions } from '../../server/src/sync/job-loop';
import { claimedJob, claimPatch, type ClaimedJob } from '../../server/src/sync/job-state';
import { linkRow } from './link-row';

function job(id: number): ClaimedJob {
  const row = linkRow({ id, linkKey: `api::community.community:doc${id}:*` });
  return claimedJob(row, claimPatch(row, new Date(Date.now() + 60_000)));
}

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function loopWith(overrides: Partial<JobLoopOptions>) {
  const ran: number[] = [];
  const loop = createJobLoop({
    claim: () => Promise.resolve({ due: 0, claimed: [] }),
    run: (claimed) => {
      ran.push(claimed.id);
      return Promise.resolve();
    },
    giveBack: () => Promise.resolve(),
    nextDueAt: () => Promise.resolve(null),
    concurrency: () => 4,
    now: () => Date.now(),
    onError: (error) => {
      throw error;
    },
    ...overrides,
  });
  return { loop, ran };
}

describe('the job loop', () => {
  it('keeps jobs handed over while its own claim runs: both those and the claimed ones run', async () => {
    const claim = deferred<{ due: number; claimed: ClaimedJob[] }>();
    let claims = 0;
    const { loop, ran } = loopWith({
      claim: () => {
        claims += 1;
        return claims === 1 ? claim.promise : Promise.resolve({ due: 0, claimed: [] });
      },
    });
    loop.start();
    await tick();
    loop.accept([job(1)]); // intake's jobs arrive while the loop's claim is out
    claim.resolve({ due: 1, claimed: [job(2)] });
    await loop.idle();
    expect(ran.sort()).toEqual([1, 2]);
    await loop.stop();
  });

  it('starts jobs handed over while it waits for a running job, without waiting for that job', async () => {
    const slow = deferred<void>();
    let first = true;
    const { loop, ran } = loopWith({
      claim: () => {
        const claimed = first ? [job(1)] : [];
        first = false;
        return Promise.resolve({ due: claimed.length, claimed });
      },
      run: (claimed) => {
        ran.push(claimed.id);
        return claimed.id === 1 ? slow.promise : Promise.resolve();
      },
    });
    loop.start();
    await tick();
    expect(ran).toEqual([1]); // job 1 runs; the next claim found nothing, the loop waits
    loop.accept([job(2)]);
    await tick();
    expect(ran).toEqual([1, 2]); // job 2 started while job 1 still runs
    slow.resolve();
    await loop.idle();
    await loop.stop();
  });

  it('runs a job handed over while it reads the next due time (the wake is not lost)', async () => {
    const due = deferred<Date | null>();
    let reads = 0;
    const { loop, ran } = loopWith({
      nextDueAt: () => {
        reads += 1;
        return reads === 1 ? due.promise : Promise.resolve(null);
      },
    });
    loop.start();
    await tick(); // nothing was due; the loop reads when the next job is due
    loop.accept([job(4)]);
    due.resolve(null);
    await tick();
    await loop.idle();
    expect(ran).toEqual([4]);
    await loop.stop();
  });

  it('gives back jobs handed over after a stop, before stop() returns', async () => {
    const back = deferred<void>();
    const givenBack: number[] = [];
    const { loop, ran } = loopWith({
      giveBack: (claimed) => {
        givenBack.push(claimed.id);
        return back.promise;
      },
    });
    loop.start();
    await loop.idle();
    const stopping = loop.stop();
    loop.accept([job(3)]);
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await tick();
    expect(givenBack).toEqual([3]);
    expect(ran).toEqual([]);
    expect(stopped).toBe(false); // still giving job 3 back
    back.resolve();
    await stopping;
    expect(stopped).toBe(true);
  });
});
