import { randomUUID } from 'node:crypto';
import type { Logger } from '@attendance/common/config';
import { jobLockKey } from '@attendance/common/redis';
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    renewJobLock(key: string, token: string, ttlMs: number): Result<number, Context>;
    releaseJobLock(key: string, token: string): Result<number, Context>;
  }
}

/** Extends the lock only if we still hold it. */
const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes the lock only if we still hold it, never another instance's. */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * A lock per job name, so two `tasks` instances never run one job at once.
 * `SET NX PX` takes it; it is renewed every third of its lifetime while the
 * job runs, so a long job keeps it and a crashed instance's lock expires.
 */
export class JobLock {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('renewJobLock', { numberOfKeys: 1, lua: renewScript });
    redis.defineCommand('releaseJobLock', { numberOfKeys: 1, lua: releaseScript });
  }

  key(job: string): string {
    return jobLockKey(this.keyPrefix, job);
  }

  /** Resolves to the held lock, or undefined when another instance holds it. */
  async acquire(job: string): Promise<HeldLock | undefined> {
    const key = this.key(job);
    const token = randomUUID();
    const taken = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return undefined;
    const renewal = setInterval(() => {
      // A missed renewal is retried at the next tick; the lock only lapses after ttlMs without one.
      this.redis.renewJobLock(key, token, this.ttlMs).then(
        (renewed) => {
          if (renewed === 0) this.logger.warn({ job }, `lock of job ${job} was lost while it runs (expired or taken)`);
        },
        (err: unknown) => this.logger.warn({ err, job }, `could not renew the lock of job ${job}`),
      );
    }, Math.floor(this.ttlMs / 3));
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.redis.releaseJobLock(key, token);
      },
    };
  }
}
