import { defineAttendanceStateCommands, encodeConfirmedState, stateLocation } from '@attendance/common/redis';
import type { Redis } from 'ioredis';

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
    await this.redis.replaceAttendanceState(key, field, encodeConfirmedState({ checkInMinute: minute, schoolId }), '');
  }

  /** An added check-out undone: back to checked in (at the check-in minute the state holds). */
  async checkOutWithdrawn(day: string, userId: string, schoolId: string, checkInMinute: number, checkOutMinute: number): Promise<void> {
    const { key, field } = stateLocation(this.keyPrefix, day, userId);
    await this.redis.replaceAttendanceState(key, field, encodeConfirmedState({ checkInMinute, checkOutMinute, schoolId }), encodeConfirmedState({ checkInMinute, schoolId }));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
