import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoreSummary } from '../../domain/store-messages.ts';

/** Why the service replaced its kafkajs consumer (see attendance-consumer.ts). */
export const RESTART_REASONS = ['crashed', 'not-a-member', 'not-fetching'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

export interface ConsumerMetrics {
  batchFinished(messages: number, summary: StoreSummary | undefined, seconds: number, outcome: 'ok' | 'retry'): void;
  lagMeasured(lagByPartition: Map<number, number>): void;
  fetched(): void;
  rejoined(): void;
  restarted(reason: RestartReason): void;
  /** Reports `dashboard_consumer_up` from the health verdict at each scrape (no I/O: the verdict is kept up to date in the background). */
  upFrom(isUp: () => boolean): void;
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
    help: "Messages behind the end of each partition for the consumer group (committed offset to partition end), read every few seconds",
    labelNames: ['partition'] as const,
    registers: [registry],
  });
  const lastFetch = new Gauge({
    name: 'dashboard_consumer_last_fetch_timestamp_seconds',
    help: 'Unix time when the consumer last received a batch from Kafka',
    registers: [registry],
  });
  const rejoins = new Counter({
    name: 'dashboard_consumer_rejoins_total',
    help: 'Times the consumer joined its group again after its first join (rebalances, broker restarts, recreated consumers)',
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'dashboard_consumer_restarts_total',
    help: 'Times the service replaced its Kafka consumer because kafkajs did not recover, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  let isUp: () => boolean = () => true;
  new Gauge({
    name: 'dashboard_consumer_up',
    help: 'Whether the consumer is healthy: 0 when it has not been a group member, or has not fetched, for longer than CONSUMER_STALL_SECONDS while records wait',
    registers: [registry],
    collect() {
      this.set(isUp() ? 1 : 0);
    },
  });
  for (const reason of ['invalid-json', 'invalid-record', 'rejected-by-database']) deadLetters.inc({ reason }, 0);
  for (const outcome of ['ok', 'retry']) batches.inc({ outcome }, 0);
  for (const reason of RESTART_REASONS) restarts.inc({ reason }, 0);
  return {
    lagMeasured(lagByPartition) {
      for (const [partition, value] of lagByPartition) lag.set({ partition: String(partition) }, value);
    },
    fetched() {
      lastFetch.set(Date.now() / 1000);
    },
    rejoined() {
      rejoins.inc();
    },
    restarted(reason) {
      restarts.inc({ reason });
    },
    upFrom(check) {
      isUp = check;
    },
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
