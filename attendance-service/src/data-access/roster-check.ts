import { BackgroundRefresh, BulkBuffer } from '@attendance/common';
import type { Logger } from '@attendance/common/config';
import { rosterCurrentKey, rosterLocation, rosterSchoolMark } from '@attendance/common/redis';
import type { Redis } from 'ioredis';

export interface RosterCheckOptions {
  keyPrefix: string;
  /** How often the roster generation in use is re-read (tasks' roster-sync publishes a new one nightly). */
  refreshMs: number;
  logger: Logger;
}

/**
 * Is a student on their school's roster? Answered from the roster tasks'
 * `roster-sync` copies into Redis (one small hash field per student), never
 * from the database. Lookups are grouped into pipelines and run after the
 * record was accepted, off the request's path; while no roster has been
 * synced (no current generation), nothing is looked up.
 */
export class RosterCheck {
  private generation: number | undefined;
  private readonly refreshing: BackgroundRefresh;
  private readonly buffer: BulkBuffer<{ userId: string; schoolId: string }, boolean>;

  constructor(
    private readonly redis: Redis,
    private readonly options: RosterCheckOptions,
  ) {
    this.buffer = new BulkBuffer({
      name: 'roster-check',
      maxItems: 500,
      lingerMs: 20,
      maxInFlight: 2,
      maxQueued: 10_000,
      // A flag is worth less than the write path's Redis time: when lookups pile up, skip some.
      onFull: 'reject',
      flush: (students) => this.lookUp(students),
    });
    this.refreshing = new BackgroundRefresh(() => this.refresh(), options.refreshMs, (err) => options.logger.warn({ err }, 'could not read the roster generation; keeping the last one'));
  }

  /** Reads the generation in use (start-up fails if Redis cannot answer), then keeps it fresh. */
  start(): Promise<void> {
    return this.refreshing.start();
  }

  /** Resolves false when the student is not on the school's roster, true when on it or when it cannot tell. */
  async isOnRoster(userId: string, schoolId: string): Promise<boolean> {
    if (this.generation === undefined) return true;
    try {
      return await this.buffer.push({ userId, schoolId });
    } catch (err) {
      this.options.logger.debug({ err }, 'roster lookup skipped');
      return true;
    }
  }

  async close(): Promise<void> {
    await this.refreshing.stop();
    await this.buffer.close();
  }

  private async refresh(): Promise<void> {
    const current = await this.redis.get(rosterCurrentKey(this.options.keyPrefix));
    this.generation = current === null ? undefined : Number(current);
  }

  private async lookUp(students: { userId: string; schoolId: string }[]): Promise<boolean[]> {
    const generation = this.generation;
    if (generation === undefined) return students.map(() => true);
    const pipeline = this.redis.pipeline();
    for (const { userId } of students) {
      const { key, field } = rosterLocation(this.options.keyPrefix, generation, userId);
      pipeline.hget(key, field);
    }
    const replies = (await pipeline.exec()) ?? [];
    return students.map(({ schoolId }, i) => {
      const [error, mark] = replies[i] ?? [new Error('missing reply')];
      return error ? true : mark === String(rosterSchoolMark(schoolId));
    });
  }
}
