import type { MongoConnection } from '@attendance/common/mongo';
import { type RunningService, stopServices } from '../../../test/support/services.ts';
import { stack, type testNamespace } from '../../../test/support/stack.ts';
import { readConfig, type Config } from '../../src/config.ts';
import type { JobContext } from '../../src/jobs.ts';

/** The tasks' config for a test namespace (its topic, Redis prefix and database), with `env` on top. */
export function jobTestConfig(ns: ReturnType<typeof testNamespace>, env: Record<string, string> = {}): Config {
  return readConfig({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_TOPIC: ns.topic, REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: ns.redisPrefix, MONGO_URL: ns.mongoUrl, ...env });
}

/** Stops what a jobs test started: the jobs first, then as {@link stopServices}. */
export async function stopJobPlatform(parts: { context?: JobContext | undefined; dashboard?: RunningService | undefined; attendance?: RunningService | undefined; mongo?: MongoConnection | undefined }): Promise<void> {
  await parts.context?.close();
  await stopServices(parts);
}
