/**
 * Probes until `isDone(value)` or until `timeoutMs` has passed, and returns
 * the last value either way: the caller decides whether an unmet condition is
 * a failure (and can print what was still missing). For outcomes that happen
 * asynchronously, like a consumer storing records: wait for the outcome, not
 * for a fixed time.
 */
export async function pollUntil<T>(probe: () => Promise<T>, isDone: (value: T) => boolean, options: { timeoutMs: number; intervalMs?: number }): Promise<{ value: T; done: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (isDone(value)) return { value, done: true };
    if (Date.now() >= deadline) return { value, done: false };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
