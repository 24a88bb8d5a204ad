import { boundPort, closeServer, createServiceApp, listen, once, serviceBasics, type ServiceHandle, type StartOptions as CommonStartOptions } from '@attendance/common/http';
import cron, { type ScheduledTask } from 'node-cron';
import { readConfig, type Config } from './config.ts';
import { runJob, type JobName } from './domain/job-runner.ts';
import { jobMetrics } from './entry-points/job-metrics.ts';
import { startPlatformMetrics } from './entry-points/platform-metrics.ts';
import { createJobContext } from './jobs.ts';

export type StartOptions = CommonStartOptions<Config>;

/**
 * Schedules the jobs with node-cron and serves health and metrics. Every run
 * takes the job's Redis lock, so several instances can run side by side.
 */
export async function start(options: StartOptions = {}): Promise<ServiceHandle> {
  const { config, logger, now, registry } = serviceBasics('tasks', options, readConfig);
  const observer = jobMetrics(registry);
  const context = await createJobContext(config, logger, { now });

  const schedules: [JobName, string | undefined][] = [
    ['rollover', config.ROLLOVER_CRON],
    ['dlq-retry', config.DLQ_RETRY_CRON],
    ['rebuild', config.REBUILD_CRON],
    ['close-reports', config.CLOSE_REPORTS_CRON],
    ['roster-sync', config.ROSTER_SYNC_CRON],
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

  const platformMetrics = startPlatformMetrics(registry, context.redis, context.mongo.db, config.REDIS_KEY_PREFIX, logger);

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
    corsOrigins: config.CORS_ORIGINS,
    describe: () => ({ schedules: Object.fromEntries(schedules.filter(([, e]) => e)), timezone, lastRuns: observer.lastRuns() }),
  });
  const server = await listen(app, config.PORT, { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS });

  const stop = once(async () => {
    stopping = true;
    await Promise.all(tasks.map((task) => Promise.resolve(task.stop())));
    await closeServer(server, config.SHUTDOWN_TIMEOUT_MS);
    await Promise.allSettled(running);
    // Before the clients close: a background read in flight finishes on them.
    await platformMetrics.stop();
    await context.close();
  });
  return { port: boundPort(server), stop };
}
