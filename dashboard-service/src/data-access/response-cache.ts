import type { Logger } from '@attendance/common';
import type { Redis } from 'ioredis';

/**
 * Cache-aside in Redis for hot dashboard reads: a wall of screens refreshing
 * every few seconds costs MongoDB one query per key per TTL. A Redis failure
 * only costs the cache, never the answer.
 */
export class ResponseCache {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {}

  async getOrLoad<T>(key: string, load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    const fullKey = `${this.keyPrefix}:cache:${key}`;
    if (this.ttlSeconds > 0) {
      try {
        const cached = await this.redis.get(fullKey);
        if (cached !== null) return { value: JSON.parse(cached) as T, hit: true };
      } catch (err) {
        this.logger.warn({ err }, 'response cache read failed');
      }
    }
    const value = await load();
    if (this.ttlSeconds > 0) {
      try {
        await this.redis.set(fullKey, JSON.stringify(value), 'EX', this.ttlSeconds);
      } catch (err) {
        this.logger.warn({ err }, 'response cache write failed');
      }
    }
    return { value, hit: false };
  }
}
