/**
 * Token requests per user: a bucket of `perMinute` requests that refills continuously. Bounded:
 * buckets that have refilled completely carry no information and are dropped when the map grows.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one more request is allowed (when not allowed). */
  retryAfterSeconds: number;
}

export function createUserRateLimit(options: {
  perMinute: () => number;
  maxEntries?: number;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refill(bucket: { tokens: number; at: number }, capacity: number, at: number) {
    const perMs = capacity / 60_000;
    bucket.tokens = Math.min(capacity, bucket.tokens + (at - bucket.at) * perMs);
    bucket.at = at;
  }

  function prune(capacity: number, at: number) {
    for (const [key, bucket] of buckets) {
      refill(bucket, capacity, at);
      if (bucket.tokens >= capacity) buckets.delete(key);
    }
    // Still too many users within their minute: the oldest entries go first.
    for (const key of buckets.keys()) {
      if (buckets.size < maxEntries) break;
      buckets.delete(key);
    }
  }

  return {
    take(userKey: string): RateDecision {
      const capacity = options.perMinute();
      const at = now();
      let bucket = buckets.get(userKey);
      if (!bucket) {
        if (buckets.size >= maxEntries) prune(capacity, at);
        bucket = { tokens: capacity, at };
        buckets.set(userKey, bucket);
      } else {
        refill(bucket, capacity, at);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      const waitMs = ((1 - bucket.tokens) * 60_000) / capacity;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
  };
}
