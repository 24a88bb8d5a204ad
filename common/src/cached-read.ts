/**
 * A read whose answer is kept for `ttlMs`: callers within that time share one
 * read (concurrent callers await the same promise, so a thousand dashboards
 * asking at once cost one query), and a failed read is forgotten at once, so
 * the next call tries again instead of serving the error until it expires.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (!cached || at - cached.at > ttlMs) {
      const entry = { at, value: read() };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}
