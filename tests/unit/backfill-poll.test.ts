/** The settings page asks for backfill progress one request at a time, backing off while it stands still. */
import { BACKFILL_POLL, nextPollDelay } from '../../admin/src/pages/Settings/poll';

describe('backfill progress polling', () => {
  it('waits longer each time the count stands still, up to the maximum', () => {
    const delays: number[] = [];
    let delay: number = BACKFILL_POLL.minMs;
    for (let i = 0; i < 10; i += 1) {
      delay = nextPollDelay(delay, false);
      delays.push(delay);
    }
    expect(delays.slice(0, 3)).toEqual([1500, 2250, 3375]);
    expect(delays.every((value, i) => i === 0 || value >= delays[i - 1])).toBe(true);
    expect(delays[delays.length - 1]).toBe(BACKFILL_POLL.maxMs);
  });

  it('goes back to the minimum as soon as the count moves', () => {
    expect(nextPollDelay(BACKFILL_POLL.maxMs, true)).toBe(BACKFILL_POLL.minMs);
  });
});
