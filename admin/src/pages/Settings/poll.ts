/** How the settings page paces its progress requests (no React here, so it can be unit-tested). */
export const BACKFILL_POLL = { minMs: 1000, maxMs: 10_000, factor: 1.5 } as const;

/** How long to wait before asking for the progress again: back to the minimum when it moved. */
export function nextPollDelay(previousMs: number, moved: boolean): number {
  if (moved) return BACKFILL_POLL.minMs;
  return Math.min(BACKFILL_POLL.maxMs, Math.round(previousMs * BACKFILL_POLL.factor));
}
