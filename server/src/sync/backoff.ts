/** Exponential backoff with full jitter for a job that failed for a passing reason. */
export const BASE_DELAY_MS = 2_000;
export const MAX_DELAY_MS = 10 * 60_000;

export function retryDelayMs(attempts: number, retryAfterSeconds?: number, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const floor = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(MAX_DELAY_MS, Math.max(jittered, floor)));
}
