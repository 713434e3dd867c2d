/** Exponential backoff with jitter for work that failed for a passing reason. */
export const BASE_DELAY_MS = 2_000;
export const MAX_DELAY_MS = 10 * 60_000;

/**
 * The delay before attempt `attempts + 1`: base × 2^(attempts-1), drawn between half and all of
 * it (jitter spreads retries of a burst of failures), never before the server's `Retry-After`,
 * and never beyond `maxMs`, whatever `Retry-After` asks (a server asking for a day is not
 * trusted with the queue for a day).
 */
export function retryDelayMs(
  attempts: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
  { baseMs = BASE_DELAY_MS, maxMs = MAX_DELAY_MS }: { baseMs?: number; maxMs?: number } = {}
) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const floor = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(maxMs, Math.max(jittered, floor)));
}
