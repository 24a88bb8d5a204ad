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

export interface StaleWhileReadingOptions {
  /** How long an answer is served without reading again. */
  ttlMs: number;
  /** Keys kept at most; the one answered longest ago goes first. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * A read per key whose last answer is served while the next one runs: a
 * key's first read is awaited (and shared by concurrent callers); past
 * `ttlMs` the last answer is given at once and one read in the background
 * replaces it when it succeeds. For reads that are slow (a whole roster,
 * a count over a school's students) but change rarely, so that no request
 * waits on one after the first. A failed read keeps the last answer (or,
 * for a key never read, rejects its callers and is forgotten), and the next
 * call tries again.
 */
export function staleWhileReading<T>(read: (key: string) => Promise<T>, options: StaleWhileReadingOptions): (key: string) => Promise<T> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; answer?: { value: T }; reading?: Promise<T> }>();
  return (key) => {
    const entry = entries.get(key) ?? { at: now() };
    if (entry.answer && now() - entry.at <= options.ttlMs) return Promise.resolve(entry.answer.value);
    if (!entries.has(key)) entries.set(key, entry);
    if (!entry.reading) {
      const reading = read(key);
      entry.reading = reading;
      reading.then(
        (value) => {
          entry.reading = undefined;
          entry.answer = { value };
          entry.at = now();
          // Last answered, last out.
          entries.delete(key);
          entries.set(key, entry);
          if (options.maxKeys !== undefined && entries.size > options.maxKeys) entries.delete(entries.keys().next().value as string);
        },
        () => {
          entry.reading = undefined;
          if (!entry.answer && entries.get(key) === entry) entries.delete(key);
        },
      );
    }
    return entry.answer ? Promise.resolve(entry.answer.value) : entry.reading;
  };
}
