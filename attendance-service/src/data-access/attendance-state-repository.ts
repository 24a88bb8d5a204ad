import { BulkBuffer, stateLocation, type AttendanceEvent, type FlushOutcome, type Logger } from '@attendance/common';
import type { Redis, Result } from 'ioredis';
import type { AttendanceState } from '../domain/record-attendance.ts';
import type { ClaimOutcome } from '../domain/claim-outcome.ts';
import { claimAttendanceScript, releaseAttendanceScript } from './attendance-state-scripts.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    claimAttendance(key: string, field: string | Buffer, type: string, minute: number, ttlSeconds: number): Result<number, Context>;
    releaseAttendance(key: string, field: string | Buffer, type: string, minute: number): Result<number, Context>;
  }
}

const outcomes: Record<number, ClaimOutcome> = {
  0: 'claimed',
  1: 'already-checked-in',
  2: 'already-checked-out',
  3: 'not-checked-in',
};

interface ClaimRequest {
  event: AttendanceEvent;
  minute: number;
}

type ClaimResult = { outcome: ClaimOutcome } | { error: Error };

export interface AttendanceStateOptions {
  keyPrefix: string;
  ttlSeconds: number;
  maxBatch: number;
  maxQueued: number;
  logger: Logger;
  onFlush?: (outcome: FlushOutcome) => void;
}

/**
 * Today's check-in state in Redis. Claims from concurrent requests are grouped
 * into one pipeline per flush (Redis runs a pipeline's scripts in order, so
 * two claims for one user in one batch are decided one after the other).
 */
export class AttendanceStateRepository implements AttendanceState {
  readonly buffer: BulkBuffer<ClaimRequest, ClaimResult>;

  constructor(
    private readonly redis: Redis,
    private readonly options: AttendanceStateOptions,
  ) {
    redis.defineCommand('claimAttendance', { numberOfKeys: 1, lua: claimAttendanceScript });
    redis.defineCommand('releaseAttendance', { numberOfKeys: 1, lua: releaseAttendanceScript });
    this.buffer = new BulkBuffer<ClaimRequest, ClaimResult>({
      name: 'redis-claims',
      maxItems: options.maxBatch,
      // Zero linger: a pipeline goes out on the next timer tick, and under load
      // the in-flight bound alone makes batches grow.
      lingerMs: 0,
      maxInFlight: 4,
      maxQueued: options.maxQueued,
      onFull: 'reject',
      flush: (requests) => this.claimBatch(requests),
      ...(options.onFlush ? { onFlush: options.onFlush } : {}),
    });
  }

  async claim(event: AttendanceEvent, minute: number): Promise<ClaimOutcome> {
    const result = await this.buffer.push({ event, minute });
    if ('error' in result) throw result.error;
    return result.outcome;
  }

  async release(event: AttendanceEvent, minute: number): Promise<void> {
    const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
    // Retried because a claim left behind turns the client's retry into a false 409.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        await this.redis.releaseAttendance(key, field, event.type, minute);
        return;
      } catch (err) {
        if (attempt === 5) {
          this.options.logger.error({ err, recordId: event.id, userId: event.userId, day: event.day, type: event.type }, 'could not undo the claim of an unpublished record');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  close(): Promise<void> {
    return this.buffer.close();
  }

  private async claimBatch(requests: ClaimRequest[]): Promise<ClaimResult[]> {
    const pipeline = this.redis.pipeline();
    for (const { event, minute } of requests) {
      const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
      pipeline.claimAttendance(key, field, event.type, minute, this.options.ttlSeconds);
    }
    const replies = await pipeline.exec();
    if (!replies) throw new Error('Redis pipeline returned no replies');
    return replies.map(([error, reply]) => {
      if (error) return { error };
      const outcome = outcomes[Number(reply)];
      return outcome ? { outcome } : { error: new Error(`unexpected claim reply ${String(reply)}`) };
    });
  }
}
