import { defineAttendanceStateCommands, encodeConfirmedState, stateLocation } from '@attendance/common';
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    replaceConfirmedState(key: string, field: string | Buffer, expected: number, next: number | ''): Result<number, Context>;
  }
}

/**
 * Sets a user's field to ARGV[3] (removes it when empty) only while it holds
 * exactly ARGV[2], the value a staff correction wrote: never over a device's
 * later claim.
 */
const replaceScript = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/**
 * The write path's claim state (Redis), kept in step with staff corrections
 * of the days devices can still post for, so the state machine agrees with
 * what the office recorded: a check-in added by staff lets the device's later
 * check-out through (and a device check-in after it gets `409
 * already-checked-in`, which stands for the stored staff record); undoing it
 * withdraws that state again (an added check-out undone goes back to checked in). Written only after Kafka acknowledged the
 * correction, with the same merge scripts as the `rebuild` job, which never
 * move a user's state backwards or over a live claim.
 */
export class CorrectionClaims {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    defineAttendanceStateCommands(redis);
    redis.defineCommand('replaceConfirmedState', { numberOfKeys: 1, lua: replaceScript });
  }

  async checkedIn(day: string, userId: string, schoolId: string, minute: number): Promise<void> {
    const { key, field } = stateLocation(this.keyPrefix, day, userId);
    await this.redis.mergeAttendanceState(key, field, encodeConfirmedState({ checkInMinute: minute, schoolId }), this.ttlSeconds);
  }

  async checkedOut(day: string, userId: string, schoolId: string, minute: number): Promise<void> {
    const { key, field } = stateLocation(this.keyPrefix, day, userId);
    await this.redis.mergeCheckOutState(key, field, minute, encodeConfirmedState({ checkInMinute: minute, checkOutMinute: minute, schoolId }), this.ttlSeconds);
  }

  async checkInWithdrawn(day: string, userId: string, schoolId: string, minute: number): Promise<void> {
    const { key, field } = stateLocation(this.keyPrefix, day, userId);
    await this.redis.replaceConfirmedState(key, field, encodeConfirmedState({ checkInMinute: minute, schoolId }), '');
  }

  /** An added check-out undone: back to checked in (at the check-in minute the state holds). */
  async checkOutWithdrawn(day: string, userId: string, schoolId: string, checkInMinute: number, checkOutMinute: number): Promise<void> {
    const { key, field } = stateLocation(this.keyPrefix, day, userId);
    await this.redis.replaceConfirmedState(key, field, encodeConfirmedState({ checkInMinute, checkOutMinute, schoolId }), encodeConfirmedState({ checkInMinute, schoolId }));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
