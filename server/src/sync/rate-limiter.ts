/**
 * A ceiling on calls per second (`maxRequestsPerSecond`), shared by every job of one Strapi
 * instance. Calls are spaced evenly; without a ceiling `acquire()` returns at once.
 */
export function createRateLimiter(rate: () => number | undefined) {
  let nextSlot = 0;

  return {
    async acquire(): Promise<void> {
      const perSecond = rate();
      if (!perSecond) return;
      const interval = 1000 / perSecond;
      const now = Date.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + interval;
      if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    },
  };
}
