import type { Redis } from 'ioredis';

/** How many keys one SCAN step asks for: small steps keep Redis responsive for check-ins. */
const SCAN_COUNT = 1000;

/** Every key matching `pattern`, SCAN step by step; `onKeys` gets each non-empty step's keys (throw to stop). */
export async function scanKeys(redis: Redis, pattern: string, onKeys: (keys: string[]) => Promise<void> | void): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) await onKeys(keys);
  } while (cursor !== '0');
}
