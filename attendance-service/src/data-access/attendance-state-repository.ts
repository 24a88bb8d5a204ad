import {
  BulkBuffer,
  claimRefusalOf,
  defineAttendanceStateCommands,
  schoolFingerprint,
  stateLocation,
  type AttendanceEvent,
  type FlushOutcome,
  type Logger,
} from '@attendance/common';
import type { Redis } from 'ioredis';
import type { Claim } from '../domain/claim-outcome.ts';
import type { AttendanceState } from '../domain/record-attendance.ts';

/** A claim, or the confirmation of one: both ride the same pipelines. */
type StateCommand = { kind: 'claim'; event: AttendanceEvent; minute: number } | { kind: 'confirm'; event: AttendanceEvent; ticket: string };

type Reply = { value: number } | { error: Error };

export interface AttendanceStateOptions {
  keyPrefix: string;
  ttlSeconds: number;
  /** A pending claim older than this was abandoned (see claim-attendance.lua); the publish timeout. */
  takeoverMs: number;
  maxBatch: number;
  maxQueued: number;
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
      ...(options.onFlush ? { onFlush: options.onFlush } : {}),
    });
  }

  async claim(event: AttendanceEvent, minute: number): Promise<Claim> {
    const reply = await this.run({ kind: 'claim', event, minute });
    const refusal = claimRefusalOf(reply);
    if (refusal) return { outcome: refusal };
    return { outcome: 'claimed', ticket: String(Math.abs(reply)), tookOver: reply < 0 };
  }

  async confirm(event: AttendanceEvent, ticket: string): Promise<void> {
    // 0 (the claim was taken over, rebuilt or removed meanwhile) needs nothing: this record is in Kafka either way.
    await this.run({ kind: 'confirm', event, ticket });
  }

  async release(event: AttendanceEvent, ticket: string): Promise<void> {
    const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
    // Retried because a claim left behind makes the client's retry wait for the takeover age.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        await this.redis.releaseAttendance(key, field, ticket);
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

  private async run(command: StateCommand): Promise<number> {
    const reply = await this.buffer.push(command);
    if ('error' in reply) throw reply.error;
    return reply.value;
  }

  private async runBatch(commands: StateCommand[]): Promise<Reply[]> {
    const pipeline = this.redis.pipeline();
    for (const command of commands) {
      const { event } = command;
      const { key, field } = stateLocation(this.options.keyPrefix, event.day, event.userId);
      if (command.kind === 'claim') {
        pipeline.claimAttendance(key, field, event.type, command.minute, schoolFingerprint(event.schoolId), this.options.ttlSeconds, this.options.takeoverMs);
      } else {
        pipeline.confirmAttendance(key, field, command.ticket);
      }
    }
    const replies = await pipeline.exec();
    if (!replies) throw new Error('Redis pipeline returned no replies');
    return replies.map(([error, reply]) => (error ? { error } : { value: Number(reply) }));
  }
}
