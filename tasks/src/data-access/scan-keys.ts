import type { Redis } from 'ioredis';

/** How many keys one SCAN step asks for: small steps keep Redis responsive for check-ins. */
const SCAN_COUNT = 1000;

export class ScanDeadlineError extends Error {
  constructor(pattern: string) {
    super(`SCAN of ${pattern} passed its deadline`);
  }
}

/**
 * Every key matching `pattern`, SCAN step by step; `onKeys` gets each
 * non-empty step's keys (throw to stop). With `deadline` (epoch ms), every
 * step first checks it and throws `ScanDeadlineError` once it has passed:
 * also the steps that match nothing, which are most of them when the pattern
 * matches few of many keys.
 */
export async function scanKeys(redis: Redis, pattern: string, onKeys: (keys: string[]) => Promise<void> | void, options: { deadline?: number } = {}): Promise<void> {
  let cursor = '0';
  do {
    if (options.deadline !== undefined && Date.now() > options.deadline) throw new ScanDeadlineError(pattern);
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) await onKeys(keys);
  } while (cursor !== '0');
}
