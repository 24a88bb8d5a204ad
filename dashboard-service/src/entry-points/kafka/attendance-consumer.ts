import { DEAD_LETTER_HEADER, type Logger } from '@attendance/common';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { storeMessages, type IncomingMessage, type StorePorts } from '../../domain/store-messages.ts';
import type { ConsumerMetrics } from './consumer-metrics.ts';

export interface ConsumerOptions {
  topic: string;
  groupId: string;
  partitionsConsumedConcurrently: number;
  logger: Logger;
  metrics: ConsumerMetrics;
  ports: StorePorts;
  /** First and longest wait between attempts while a dependency is down. */
  retryInitialMs: number;
  retryMaxMs: number;
}

function toIncoming(topic: string, partition: number, message: EachBatchPayload['batch']['messages'][number]): IncomingMessage {
  const header = message.headers?.[DEAD_LETTER_HEADER];
  const deadLetterId = Buffer.isBuffer(header) ? header.toString('utf8') : typeof header === 'string' ? header : undefined;
  return { topic, partition, offset: Number(message.offset), value: message.value, ...(deadLetterId ? { deadLetterId } : {}) };
}

/**
 * Consumer group `dashboard` on the attendance topic.
 *
 * Offsets are resolved and committed only after `storeMessages` has had every
 * MongoDB write of the batch acknowledged (records, dead letters, reports).
 * A failure that is not about a record (MongoDB down, a bug) keeps the batch:
 * we wait with backoff and try again, heartbeating so the group keeps the
 * partition, and never commit past it. Only the records themselves can end
 * in the dead-letter queue.
 */
export async function startAttendanceConsumer(kafka: Kafka, options: ConsumerOptions): Promise<Consumer> {
  const { logger, metrics } = options;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: 1_048_576,
    retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5_000 },
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });

  /**
   * One batch per partition at a time in this process, even across a
   * rebalance that hands a partition back while a stale handler is still
   * retrying: two writers of one user's document could otherwise overwrite
   * each other (FerretDB keeps the last of two concurrent updates).
   */
  const partitionTurns = new Map<number, Promise<void>>();
  function inTurn(partition: number, work: () => Promise<void>): Promise<void> {
    const previous = partitionTurns.get(partition) ?? Promise.resolve();
    const turn = previous.then(work, work);
    partitionTurns.set(partition, turn.catch(() => undefined));
    return turn;
  }

  function eachBatch(payload: EachBatchPayload): Promise<void> {
    return inTurn(payload.batch.partition, () => storeBatch(payload));
  }

  async function storeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    const messages = batch.messages.map((message) => toIncoming(batch.topic, batch.partition, message));
    let waitMs = options.retryInitialMs;
    for (let attempt = 1; ; attempt += 1) {
      if (!payload.isRunning() || payload.isStale()) return;
      const started = process.hrtime.bigint();
      try {
        const summary = await storeMessages(messages, options.ports, new Date());
        metrics.batchFinished(messages.length, summary, Number(process.hrtime.bigint() - started) / 1e9, 'ok');
        break;
      } catch (err) {
        metrics.batchFinished(messages.length, undefined, Number(process.hrtime.bigint() - started) / 1e9, 'retry');
        logger.warn({ err, partition: batch.partition, firstOffset: batch.firstOffset(), attempt, retryInMs: waitMs }, 'batch not stored, will retry');
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitMs = Math.min(waitMs * 2, options.retryMaxMs);
        try {
          await payload.heartbeat();
        } catch (heartbeatError) {
          // A rebalance took the partition away: the new owner starts from the last commit.
          logger.warn({ err: heartbeatError, partition: batch.partition }, 'lost the partition while retrying');
          return;
        }
      }
    }
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
    metrics.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    await payload.heartbeat();
  }

  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    eachBatch,
  });
  return consumer;
}
