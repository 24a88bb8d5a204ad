import { pollUntil } from '../../scripts/src/shared/poll-until.ts';

/**
 * Polls `probe` until it returns a value that is not undefined/false, or
 * fails after `timeoutMs` with the last value seen (a thrown error counts as
 * "not yet"). For outcomes that happen asynchronously (a consumer storing a
 * record): wait for the outcome, not for a fixed time. The polling loop is
 * the scripts' {@link pollUntil}; this adds the test's way of failing.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = options;
  const attempt = async (): Promise<{ value?: T | undefined | false; error?: unknown }> => {
    try {
      return { value: await probe() };
    } catch (error) {
      return { error };
    }
  };
  const { value: last, done } = await pollUntil(attempt, (seen) => !('error' in seen) && seen.value !== undefined && seen.value !== false, { timeoutMs, intervalMs });
  if (done) return last.value as T;
  const lastSeen = 'error' in last ? last.error : last.value;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${lastSeen instanceof Error ? lastSeen.message : JSON.stringify(lastSeen)}`);
}
