/**
 * Issued chat tokens, one per user, reused until shortly before they expire, and only for the
 * same request (a changed role or name gets a new token). Bounded: past `maxEntries` users the
 * least recently used one is forgotten (a `Map` keeps insertion order; a hit moves to the end).
 * Only a copy of the token-grant table: the service checks a hit's row before handing it out.
 */
export interface CachedToken {
  /** What was sent to iFlyChat for this token, as a comparable string. */
  signature: string;
  /** Its row in the token-grant table: a hit is handed out only while that row is not revoked. */
  grantId: number;
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A token is not handed out in its last minute: the page would have to renew it at once. */
export const REUSE_MARGIN_MS = 60_000;

export function createTokenCache(options: { maxEntries: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, CachedToken>();

  return {
    /** The user's token for this signature, when it has more than a minute left. */
    get(userKey: string, signature: string): CachedToken | undefined {
      const entry = entries.get(userKey);
      if (!entry) return undefined;
      if (entry.signature !== signature || entry.expiresAt - REUSE_MARGIN_MS <= now()) {
        return undefined;
      }
      entries.delete(userKey);
      entries.set(userKey, entry);
      return entry;
    },

    /** Keeps a new token; returns the token it replaces, if any (to be deleted in iFlyChat). */
    set(userKey: string, entry: CachedToken): CachedToken | undefined {
      const previous = entries.get(userKey);
      entries.delete(userKey);
      entries.set(userKey, entry);
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
      return previous && previous.token !== entry.token ? previous : undefined;
    },

    /** Forgets the user's token and returns it. */
    drop(userKey: string): CachedToken | undefined {
      const entry = entries.get(userKey);
      entries.delete(userKey);
      return entry;
    },

    clear(): void {
      entries.clear();
    },

    get size(): number {
      return entries.size;
    },
  };
}

export type TokenCache = ReturnType<typeof createTokenCache>;
