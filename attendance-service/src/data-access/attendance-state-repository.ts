import { readFileSync } from 'node:fs';
import { BulkBuffer, type FlushOutcome } from '@attendance/common';
import type { Logger } from '@attendance/common/config';
import type { AttendanceEvent } from '@attendance/common/records';
import { claimRefusalOf, defineAttendanceStateCommands, deviceBucketKey, schoolFingerprint, stateLocation } from '@attendance/common/redis';
import type { Redis, Result } from 'ioredis';
import pRetry from 'p-retry';
import type { Claim } from '../domain/claim-outcome.ts';
import type { AttendanceState } from '../domain/record-attendance.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    takeRateTokens(key: string, perSecond: number, burst: number, tokens: number): Result<number, Context>;
  }
}

const takeRateTokensLua = readFileSync(new URL('./take-rate-tokens.lua', import.meta.url), 'utf8');

/**
 * Undoing a claim is retried, because a claim left behind makes the client's
 * retry wait for the takeover age; but the request whose publish failed waits
 * for it, so the retries are bounded: 3 more attempts after 50, 100 and 200 ms,
 * and none starts once 500 ms have passed. Past that the takeover is the safety net.
 */
const RELEASE_RETRY = { retries: 3, minTimeout: 50, factor: 2, maxTimeout: 200, maxRetryTime: 500, randomize: false } as const;

/** A claim (with the device whose rate it counts against), or the confirmation of one: both ride the same pipelines. */
type StateCommand = { kind: 'claim'; event: AttendanceEvent; minute: number; deviceId?: string | undefined } | { kind: 'confirm'; event: AttendanceEvent; ticket: string };

/**
 * `waitMs` > 0: the device's bucket was empty (that long until it holds a token again).
 * `orphanTicket`: the bucket failed but the claim in the same pipeline went through; it must be undone.
 */
type Reply = { value: number; waitMs: number } | { error: Error; orphanTicket?: string };

export interface AttendanceStateOptions {
  keyPrefix: string;
  ttlSeconds: number;
  /** A pending claim older than this was abandoned (see claim-attendance.lua); the publish timeout. */
  takeoverMs: number;
  maxBatch: number;
  maxQueued: number;
  /** Per-device token bucket: records per second and bucket size. */
  rateLimit: { perSecond: number; burst: number };
  logger: Logger;
  onFlush?: (outcome: FlushOutcome) => void;
}

/**
 * Today's check-in state in Redis. Claims and confirmations from concurrent
 * requests are grouped into one pipeline per flush, so confirming costs no
 * round trip of its own (Redis runs a pipeline's scripts in order, so two
 * claims for one user in one batch are decided one after the other).
 */
export class AttendanceStateRepository implements AttendanceState {
  readonly buffer: BulkBuffer<StateCommand, Reply>;

  constructor(
    private readonly redis: Redis,
    private readonly options: AttendanceStateOptions,
  ) {
    defineAttendanceStateCommands(redis);
    redis.defineCommand('takeRateTokens', { numberOfKeys: 1, lua: takeRateTokensLua });
    this.buffer = new BulkBuffer<StateCommand, Reply>({
      name: 'redis-claims',
      maxItems: options.maxBatch,
      // Zero linger: a pipeline goes out on the next timer tick, and under load
      // the in-flight bound alone makes batches grow.
      lingerMs: 0,
      maxInFlight: 4,
      maxQueued: options.maxQueued,
      onFull: 'reject',
      flush: (commands) => this.runBatch(commands),
      onFlush: options.onFlush,
    });
  }

  /**
   * The device's rate limit and the claim go out in the same pipeline, the
   * bucket first, so limiting costs no round trip. A pipeline cannot make the
   * claim depend on the bucket, so a claim made while the bucket was empty is
   * undone at once (compare-and-set on its own pending value) and the record
   * answered 429.
   */
  async claim(event: AttendanceEvent, minute: number, deviceId?: string): Promise<Claim> {
    const outcome = await this.buffer.push({ kind: 'claim', event, minute, deviceId });
    if ('error' in outcome) {
      // Left pending, the claim would hold the device's retry off until the takeover age.
      if (outcome.orphanTicket !== undefined) await this.release(event, outcome.orphanTicket);
      throw outcome.error;
    }
    const { value: reply, waitMs } = outcome;
    const refusal = claimRefusalOf(reply);
    if (waitMs > 0) {
      if (!refusal) await this.release(event, String(Math.abs(reply)));
      return { outcome: 'rate-limited', retryAfterMs: waitMs };
    }
    if (refusal) return { outcome: refusal };
    return { outcome: 'claimed', ticket: String(Math.abs(reply)), tookOver: reply < 0 };
  }

  async confirm(event: AttendanceEvent, ticket: string): Promise<void> {
    // 0 (the claim was taken over, rebuilt or removed meanwhile) needs nothing: this record is in Kafka either way.
    const reply = await this.buffer.push({ kind: 'confirm', event, ticket });
    if ('error' in reply) throw reply.error;
  }

  async release(event: AttendanceEvent, ticket: string): Promise<void> {
    const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
    try {
      await pRetry(() => this.redis.releaseAttendance(key, field, ticket), RELEASE_RETRY);
    } catch (err) {
      this.options.logger.error({ err, recordId: event.id, userId: event.userId, day: event.day, type: event.type }, 'could not undo the claim of an unpublished record');
    }
  }

  close(): Promise<void> {
    return this.buffer.close();
  }

  private async runBatch(commands: StateCommand[]): Promise<Reply[]> {
    const pipeline = this.redis.pipeline();
    const { perSecond, burst } = this.options.rateLimit;
    for (const command of commands) {
      const { event } = command;
      const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
      if (command.kind === 'claim') {
        if (command.deviceId !== undefined) pipeline.takeRateTokens(deviceBucketKey(this.options.keyPrefix, command.deviceId), perSecond, burst, 1);
        pipeline.claimAttendance(key, field, event.type, command.minute, schoolFingerprint(event.schoolId), this.options.ttlSeconds, this.options.takeoverMs);
      } else {
        pipeline.confirmAttendance(key, field, command.ticket);
      }
    }
    const replies = await pipeline.exec();
    if (!replies) throw new Error('Redis pipeline returned no replies');
    // One reply per command, two for a claim with a rate limit (the bucket's first).
    let next = 0;
    return commands.map((command): Reply => {
      let waitMs = 0;
      if (command.kind === 'claim' && command.deviceId !== undefined) {
        const [bucketError, bucket] = replies[next++] ?? [new Error('missing reply')];
        if (bucketError) {
          const [claimError, claimed] = replies[next++] ?? [new Error('missing reply')];
          const value = Number(claimed);
          return claimError || claimRefusalOf(value) ? { error: bucketError } : { error: bucketError, orphanTicket: String(Math.abs(value)) };
        }
        waitMs = Number(bucket);
      }
      const [error, reply] = replies[next++] ?? [new Error('missing reply')];
      return error ? { error } : { value: Number(reply), waitMs };
    });
  }
}
