/**
 * The gate every call to iFlyChat goes through: at most `concurrency()` calls in flight for one
 * Strapi instance, and, when `rate()` gives one, calls spaced to stay under that many per second.
 * Jobs do their database work outside the gate, so a slow database never holds a call slot.
 */
export function createRequestGate(
  concurrency: () => number,
  rate: () => number | undefined,
  /** Spaces the calls instead of `rate`: a budget shared with other callers (iflychat/budget.ts). */
  pace?: () => Promise<void>
) {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  let nextSlot = 0;

  function release() {
    inFlight -= 1;
    const next = waiting.shift();
    if (next) {
      inFlight += 1;
      next();
    }
  }

  async function spacing(): Promise<void> {
    const perSecond = rate();
    if (!perSecond) return;
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + 1000 / perSecond;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  return {
    /** Runs `call` when a slot is free (and the rate allows), releasing the slot afterwards. */
    async run<T>(call: () => Promise<T>): Promise<T> {
      if (inFlight < concurrency()) inFlight += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        await (pace ? pace() : spacing());
        return await call();
      } finally {
        release();
      }
    },
    get inFlight() {
      return inFlight;
    },
  };
}
