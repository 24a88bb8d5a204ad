import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The one way services connect to Redis. Commands fail fast while the
 * connection is down (no offline queue, one retry), so an HTTP request gets a
 * 503 in milliseconds instead of hanging on a reconnect loop.
 */
/**
 * A client that connects (and reconnects) in the background: for a service
 * whose use of Redis is best effort, so it starts and serves while Redis is
 * away (commands meanwhile fail at once: no offline queue).
 */
export function createRedis(url: string, options: RedisOptions = {}, logger?: Logger): Redis {
  const redis = newClient(url, options, logger);
  redis.connect().catch(() => undefined); // each failure is logged by the error listener; retryStrategy keeps trying
  return redis;
}

export async function connectRedis(url: string, options: RedisOptions = {}, logger?: Logger): Promise<Redis> {
  const redis = newClient(url, options, logger);
  await redis.connect();
  return redis;
}

function newClient(url: string, options: RedisOptions, logger?: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    ...options,
  });
  // Without a listener ioredis prints every failed reconnect to stderr; with one, they are JSON log lines
  // (an operator sees Redis going away; requests meanwhile get 503s).
  redis.on('error', (err: Error) => logger?.warn({ err: err.message }, 'redis connection error'));
  return redis;
}
