import type { Logger } from '@attendance/common/config';

/** What a job reports when it finishes: how many items it handled, plus any figures worth logging. */
export interface JobSummary {
  items: number;
  [figure: string]: unknown;
}

export interface Job {
  name: JobName;
  run(): Promise<JobSummary>;
}

export const jobNames = ['rollover', 'dlq-retry', 'rebuild', 'close-reports', 'reprocess', 'roster-sync'] as const;
export type JobName = (typeof jobNames)[number];

export type JobOutcome = 'success' | 'failure' | 'skipped';

export interface JobRun {
  job: JobName;
  outcome: JobOutcome;
  startedAt: Date;
  finishedAt: Date;
  summary?: JobSummary;
  error?: string;
}

export interface Lock {
  acquire(job: string): Promise<{ release(): Promise<void> } | undefined>;
}

export interface JobObserver {
  finished(run: JobRun): void;
}

/**
 * Runs a job under its lock: if another instance holds the lock the run is
 * skipped with a log line saying so; otherwise it runs, and the outcome,
 * duration and item count go to the log and the observer (metrics, /readyz).
 */
export async function runJob(job: Job, lock: Lock, logger: Logger, observer: JobObserver): Promise<JobRun> {
  const startedAt = new Date();
  const held = await lock.acquire(job.name);
  if (!held) {
    const run: JobRun = { job: job.name, outcome: 'skipped', startedAt, finishedAt: new Date() };
    logger.info({ job: job.name, outcome: 'skipped' }, `job ${job.name} skipped: another instance holds its lock`);
    observer.finished(run);
    return run;
  }
  let run: JobRun;
  try {
    const summary = await job.run();
    run = { job: job.name, outcome: 'success', startedAt, finishedAt: new Date(), summary };
    logger.info({ job: job.name, outcome: 'success', seconds: (run.finishedAt.getTime() - startedAt.getTime()) / 1000, ...summary }, `job ${job.name} finished`);
  } catch (err) {
    run = { job: job.name, outcome: 'failure', startedAt, finishedAt: new Date(), error: (err as Error).message };
    logger.error({ job: job.name, outcome: 'failure', err }, `job ${job.name} failed`);
  } finally {
    await held.release().catch((err: unknown) => logger.warn({ err, job: job.name }, 'could not release job lock (it will expire)'));
  }
  observer.finished(run);
  return run;
}
