import { boundPort, closeServer, createLogger, createMetricsRegistry, createServiceApp, listen, once, type Logger, type ServiceHandle } from '@attendance/common';
import cron, { type ScheduledTask } from 'node-cron';
import { readConfig, type Config } from './config.ts';
import { runJob, type JobName } from './domain/job-runner.ts';
import { jobMetrics } from './entry-points/job-metrics.ts';
import { registerPlatformMetrics } from './entry-points/platform-metrics.ts';
import { createJobContext } from './jobs.ts';

export interface StartOptions {
  config?: Config;
  logger?: Logger;
  now?: () => number;
}

/**
 * Schedules the jobs with node-cron and serves health and metrics. Every run
 * takes the job's Redis lock, so several instances can run side by side.
 */
export async function start(options: StartOptions = {}): Promise<ServiceHandle> {
  const config = options.config ?? readConfig();
  const logger = options.logger ?? createLogger('tasks', config.LOG_LEVEL);
  const registry = createMetricsRegistry();
  const observer = jobMetrics(registry);
  const context = await createJobContext(config, logger, options.now ? { now: options.now } : {});

  const schedules: [JobName, string | undefined][] = [
    ['rollover', config.ROLLOVER_CRON],
    ['dlq-retry', config.DLQ_RETRY_CRON],
    ['rebuild', config.REBUILD_CRON],
  ];
  const timezone = config.CRON_TIMEZONE ?? config.ATTENDANCE_TIMEZONE;
  const running = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = schedules
    .filter((entry): entry is [JobName, string] => entry[1] !== undefined)
    .map(([name, expression]) =>
      cron.schedule(
        expression,
        async () => {
          const run = runJob(context.jobs[name], context.lock, logger, observer);
          running.add(run);
          await run.finally(() => running.delete(run));
        },
        { name, timezone, noOverlap: true },
      ),
    );

  registerPlatformMetrics(registry, context.redis, context.mongo.db, config.REDIS_KEY_PREFIX);

  let stopping = false;
  const app = createServiceApp({
    prefix: 'tasks',
    logger,
    registry,
    readiness: {
      redis: () => context.redis.ping(),
      mongodb: () => context.mongo.db.command({ ping: 1 }),
    },
    isStopping: () => stopping,
    describe: () => ({ schedules: Object.fromEntries(schedules.filter(([, e]) => e)), timezone, lastRuns: observer.lastRuns() }),
  });
  const server = await listen(app, config.PORT);

  const stop = once(async () => {
    stopping = true;
    await Promise.all(tasks.map((task) => Promise.resolve(task.stop())));
    await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
    await Promise.allSettled(running);
    await context.close();
  });
  return { port: boundPort(server), stop };
}
