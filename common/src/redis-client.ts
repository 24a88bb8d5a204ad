import { Redis, type RedisOptions } from 'ioredis';

/**
 * The one way services connect to Redis. Commands fail fast while the
 * connection is down (no offline queue, one retry), so an HTTP request gets a
 * 503 in milliseconds instead of hanging on a reconnect loop.
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    ...options,
  });
  // Reconnects are logged by the owner through `error` listeners; without one, ioredis prints to stderr.
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}
