import type { Logger } from '@attendance/common/config';
import type { Admin } from 'kafkajs';

export interface LagReaderOptions {
  topic: string;
  groupId: string;
  intervalMs: number;
  /** Longest wait for one reading; past it the reading is abandoned and the last known lag stands. */
  timeoutMs: number;
  logger: Logger;
  onLag: (lagByPartition: Map<number, number>) => void;
}

/**
 * The group's lag per partition: partition end minus committed offset (or
 * minus the partition start when nothing is committed yet, as the consumer
 * reads from the beginning). Read through the admin API rather than from
 * fetched batches, so the lag is known exactly when the consumer stopped
 * fetching.
 */
export async function readGroupLag(admin: Admin, topic: string, groupId: string): Promise<Map<number, number>> {
  const [ends, groupOffsets] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committed = new Map((groupOffsets[0]?.partitions ?? []).map((partition) => [partition.partition, Number(partition.offset)]));
  const lag = new Map<number, number>();
  for (const end of ends) {
    const offset = committed.get(end.partition) ?? -1;
    const from = offset >= 0 ? offset : Number(end.low);
    lag.set(end.partition, Math.max(0, Number(end.high) - from));
  }
  return lag;
}

/**
 * Reads the lag in the background, one reading at a time: the next one is
 * scheduled only once the previous request has settled (even one abandoned
 * after `timeoutMs`), so a slow broker never piles up requests, and no scrape
 * or probe ever waits on Kafka. Returns `stop()`.
 */
export function watchGroupLag(admin: Admin, options: LagReaderOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function readOnce(): Promise<void> {
    const reading = readGroupLag(admin, options.topic, options.groupId);
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), options.timeoutMs);
    });
    try {
      const outcome = await Promise.race([reading, deadline]);
      if (outcome === 'timeout') options.logger.warn({ timeoutMs: options.timeoutMs }, 'consumer lag reading timed out, keeping the last one');
      else options.onLag(outcome);
    } catch (err) {
      options.logger.warn({ err }, 'consumer lag not readable, keeping the last reading');
    } finally {
      clearTimeout(timeout);
    }
    await reading.catch(() => undefined);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void readOnce().finally(schedule), options.intervalMs);
  }

  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
