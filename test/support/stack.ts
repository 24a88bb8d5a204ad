import { randomBytes } from 'node:crypto';

/** Where the local stack listens (stack/stack.sh), overridable like the services' own variables. */
export const stack = {
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  mongoBaseUrl: process.env.MONGO_BASE_URL ?? 'mongodb://127.0.0.1:27017',
};

/**
 * A fresh namespace per test file: its own topic, consumer group, database and
 * Redis key prefix, so tests never see each other's data (or a running
 * platform's) and need no cleanup between them.
 */
export function testNamespace(label: string): { id: string; topic: string; groupId: string; database: string; mongoUrl: string; redisPrefix: string } {
  const id = `${label}-${randomBytes(4).toString('hex')}`;
  const database = `t_${id.replaceAll('-', '_')}`;
  return {
    id,
    topic: `t.${id}`,
    groupId: `g.${id}`,
    database,
    mongoUrl: `${stack.mongoBaseUrl}/${database}`,
    redisPrefix: `t:${id}`,
  };
}

export function randomId(prefix = 'u'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
