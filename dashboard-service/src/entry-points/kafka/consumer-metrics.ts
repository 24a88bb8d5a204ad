import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoreSummary } from '../../domain/store-messages.ts';

export interface ConsumerMetrics {
  lag: Gauge<'partition'>;
  batchFinished(messages: number, summary: StoreSummary | undefined, seconds: number, outcome: 'ok' | 'retry'): void;
}

export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const persisted = new Counter({ name: 'dashboard_records_persisted_total', help: 'Attendance records stored in MongoDB', registers: [registry] });
  const batches = new Counter({
    name: 'dashboard_batches_total',
    help: 'Kafka batches handled, by outcome (ok, or retry while a dependency is down)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dashboard_batch_duration_seconds',
    help: 'Time to store one Kafka batch in MongoDB',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'dashboard_batch_size',
    help: 'Messages per Kafka batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'dashboard_dlq_writes_total',
    help: 'Records sent to the dead-letter queue, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const lastProcessed = new Gauge({
    name: 'dashboard_last_processed_timestamp_seconds',
    help: 'Unix time when the last batch was stored',
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'dashboard_consumer_lag',
    help: 'Messages behind the end of each partition, as of the last batch',
    labelNames: ['partition'] as const,
    registers: [registry],
  });
  for (const reason of ['invalid-json', 'invalid-record', 'rejected-by-database']) deadLetters.inc({ reason }, 0);
  for (const outcome of ['ok', 'retry']) batches.inc({ outcome }, 0);
  return {
    lag,
    batchFinished(messages, summary, seconds, outcome) {
      batches.inc({ outcome });
      duration.observe(seconds);
      if (outcome !== 'ok' || !summary) return;
      batchSize.observe(messages);
      persisted.inc(summary.stored);
      for (const { reason } of summary.deadLettered) deadLetters.inc({ reason });
      lastProcessed.set(Date.now() / 1000);
    },
  };
}
