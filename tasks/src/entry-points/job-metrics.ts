import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobName, JobObserver, JobRun } from '../domain/job-runner.ts';

/** Job metrics plus the last run of each job, which /readyz reports. */
export function jobMetrics(registry: Registry): JobObserver & { lastRuns(): Partial<Record<JobName, JobRun>> } {
  const runs = new Counter({
    name: 'tasks_job_runs_total',
    help: 'Job runs by job and outcome (success, failure, skipped because another instance holds the lock)',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tasks_job_duration_seconds',
    help: 'Job run duration',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const items = new Counter({
    name: 'tasks_job_items_processed_total',
    help: 'Items a job handled (keys removed, entries retried or parked, users restored)',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'tasks_job_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of each job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const last: Partial<Record<JobName, JobRun>> = {};
  return {
    finished(run) {
      last[run.job] = run;
      runs.inc({ job: run.job, outcome: run.outcome });
      if (run.outcome === 'skipped') return;
      duration.observe({ job: run.job }, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
      if (run.outcome === 'success') {
        items.inc({ job: run.job }, run.summary?.items ?? 0);
        lastSuccess.set({ job: run.job }, run.finishedAt.getTime() / 1000);
      }
    },
    lastRuns: () => last,
  };
}
