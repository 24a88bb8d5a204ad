import { dayStatePattern, encodeCheckIn, encodeCheckOut, stateLocation, type StateLocation } from '@attendance/common';
import type { ChainableCommander, Redis, Result } from 'ioredis';
import type { StateKeyStore } from '../domain/jobs/rollover.ts';
import type { StateEntry, StateWriter } from '../domain/jobs/rebuild-state.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mergeAttendanceState(key: string, field: string | Buffer, value: number, ttlSeconds: number): Result<number, Context>;
    mergeCheckOutState(key: string, field: string | Buffer, checkOutPart: number, withoutCheckIn: number, ttlSeconds: number): Result<number, Context>;
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

/**
 * Rebuild's second pass: adds a check-out to whatever check-in the first pass
 * (or a live claim) left. ARGV[2] is the check-out's part of the value
 * (`encodeCheckOut(0, minute)`), added to the check-in minute Redis holds;
 * ARGV[3] is the whole value for a user without a check-in in Redis. A state
 * that already has a check-out (>= 1440, see encodeCheckOut) is left alone.
 */
const mergeCheckOutScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local value
if not current then
  value = tonumber(ARGV[3])
elseif tonumber(current) < 1440 then
  value = tonumber(current) + tonumber(ARGV[2])
else
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('EXPIRE', KEYS[1], ARGV[4], 'NX')
return 1
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
    redis.defineCommand('mergeCheckOutState', { numberOfKeys: 1, lua: mergeCheckOutScript });
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

  async mergeCheckIns(entries: StateEntry[]): Promise<void> {
    await this.exec(entries, (pipeline, { key, field }, { minute }) => pipeline.mergeAttendanceState(key, field, encodeCheckIn(minute), this.ttlSeconds));
  }

  async mergeCheckOuts(entries: StateEntry[]): Promise<void> {
    await this.exec(entries, (pipeline, { key, field }, { minute }) => pipeline.mergeCheckOutState(key, field, encodeCheckOut(0, minute), encodeCheckOut(encodeCheckIn(minute), minute), this.ttlSeconds));
  }

  /** One pipeline for the entries; throws the first failed reply. */
  private async exec(entries: StateEntry[], add: (pipeline: ChainableCommander, location: StateLocation, entry: StateEntry) => void): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) add(pipeline, stateLocation(this.keyPrefix, entry.day, entry.userId), entry);
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
}
