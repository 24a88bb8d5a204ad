import { dayStatePattern, stateLocation } from '@attendance/common';
import type { Redis, Result } from 'ioredis';
import type { StateKeyStore } from '../domain/jobs/rollover.ts';
import type { StateWriter } from '../domain/jobs/rebuild-state.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mergeAttendanceState(key: string, field: string | Buffer, value: number, ttlSeconds: number): Result<number, Context>;
  }
}

/**
 * Writes the value when the user has no state yet, or when it adds a check-out
 * to a check-in; never replaces a later state with an earlier one.
 */
const mergeScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local value = tonumber(ARGV[2])
if (not current) or (tonumber(current) < 1440 and value >= 1440) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3], 'NX')
  return 1
end
return 0
`;

/** How many keys one SCAN step asks for: small steps keep Redis responsive for check-ins. */
const SCAN_COUNT = 1000;

export class AttendanceStateStore implements StateKeyStore, StateWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    redis.defineCommand('mergeAttendanceState', { numberOfKeys: 1, lua: mergeScript });
  }

  async scanStateKeys(onKeys: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', dayStatePattern(this.keyPrefix), 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) await onKeys(keys);
    } while (cursor !== '0');
  }

  async unlink(keys: string[]): Promise<number> {
    return this.redis.unlink(...keys);
  }

  async merge(entries: { userId: string; day: string; value: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, day, value } of entries) {
      const { key, field } = stateLocation(this.keyPrefix, day, userId);
      pipeline.mergeAttendanceState(key, field, value, this.ttlSeconds);
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
}
