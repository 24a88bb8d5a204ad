import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@attendance/common/config';
import { DependencyState } from '@attendance/common/http';
import { DEAD_LETTER_HEADER } from '@attendance/common/mongo';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { storeMessages, type IncomingMessage, type StorePorts } from '../../domain/store-messages.ts';
import { ConsumerHealth } from './consumer-health.ts';
import { watchGroupLag } from './consumer-lag.ts';
import type { ConsumerMetrics, RestartReason } from './consumer-metrics.ts';

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
  /** How long the consumer may be outside its group, or not fetch, while records wait, before it counts as stalled. */
  stallMs: number;
  lagIntervalMs: number;
  /**
   * The broker answers a fetch once it holds this many bytes for us, or after
   * `fetchMaxWaitMs`: batches of a few records cost a partition-report write
   * each, so at a steady 1,400 records/s one fetch a second stores as much as
   * 150 small ones (see README, consumer).
   */
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
}

/** The running consumer, whichever kafkajs consumer currently does the work. */
export interface AttendanceConsumer {
  /** For `/readyz`: rejects with the consumer's state (never a raw error) once it is stalled. */
  assertHealthy: () => Promise<void>;
  /** Test hook: stop fetching while staying in the group, as a wedged consumer would. */
  pause: () => void;
  resume: () => void;
  /** Stops the current consumer (kafkajs finishes the batch in hand, whose offsets are committed only if it was stored). */
  stop: () => Promise<void>;
}

const SESSION_TIMEOUT_MS = 30_000;
/**
 * A legitimate rejoin waits at most for a departed member's session to expire
 * and then for the join itself (rebalanceTimeout = session timeout): past
 * twice the session timeout without a sign of membership, kafkajs is not going
 * to get back in by itself.
 */
const REJOIN_GRACE_MS = 2 * SESSION_TIMEOUT_MS;
/** Between replacements of the consumer: doubling from 1 s to 30 s, so a broker that stays down is not hammered. */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** How long a replaced consumer may take to finish its batch and leave; past it the new one starts anyway (the per-partition turns keep them apart). */
const DISCONNECT_TIMEOUT_MS = 30_000;
const LAG_TIMEOUT_MS = 10_000;

/** The kafkajs protocol error type under any wrapping (KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded), if there is one. */
function kafkaErrorType(err: unknown): string | undefined {
  for (let current = err as { type?: unknown; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (typeof current.type === 'string') return current.type;
  }
  return undefined;
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
 *
 * Recovery: when the group no longer knows this member (broker restart,
 * coordinator move, rebalance), the error reaches kafkajs, which rejoins. It
 * does not always manage: it gives up for good on errors it deems not
 * retriable (an illegal generation or unknown member from a commit,
 * tulios/kafkajs#1466, #1534), can loop on "The coordinator is not aware
 * of this member" (#1568), and its own restart after a crash can leave a
 * second runner in the group. So a crashed kafkajs consumer is never
 * restarted in place: the service replaces it (disconnect, new consumer,
 * subscribe, run, with backoff), and a watchdog does the same when the
 * consumer has shown no sign of membership for REJOIN_GRACE_MS, or is a
 * member that has not fetched for that long while records wait.
 */
export async function startAttendanceConsumer(kafka: Kafka, admin: Admin, options: ConsumerOptions): Promise<AttendanceConsumer> {
  const { logger, metrics, topic } = options;
  const health = new ConsumerHealth(options.stallMs);
  metrics.upFrom(() => !health.assess().stalled);

  /**
   * One batch per partition at a time in this process, even across a
   * rebalance or a replaced consumer that hands a partition back while a stale
   * handler is still retrying: two writers of one user's document could
   * otherwise overwrite each other (FerretDB keeps the last of two concurrent
   * updates).
   */
  const partitionTurns = new Map<number, Promise<void>>();
  function inTurn(partition: number, work: () => Promise<void>): Promise<void> {
    const previous = partitionTurns.get(partition) ?? Promise.resolve();
    const turn = previous.then(work, work);
    partitionTurns.set(partition, turn.catch(() => undefined));
    return turn;
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    health.batchStarted();
    metrics.fetched();
    try {
      await inTurn(payload.batch.partition, () => storeBatch(payload));
    } finally {
      health.batchFinished();
    }
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
        await sleep(waitMs);
        waitMs = Math.min(waitMs * 2, options.retryMaxMs);
        try {
          await payload.heartbeat();
        } catch (heartbeatError) {
          // The group went on without this member: handing the error to kafkajs makes it rejoin now, and the
          // partition's next owner starts from the last commit (this batch was not committed).
          logger.warn({ kafkaError: kafkaErrorType(heartbeatError), partition: batch.partition }, 'lost the group while retrying a batch, rejoining');
          throw heartbeatError;
        }
      }
    }
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  let current: Consumer | undefined;
  /** Consumers replaced so far, disconnected once more on stop() in case kafkajs revived one. */
  const replaced = new Set<Consumer>();
  let joins = 0;
  let paused = false;
  let restartAttempt = 0;
  let restarting: Promise<void> | undefined;
  const stopping = new AbortController();

  /** A new kafkajs consumer: subscribe, run, and report its group events to the health tracker. */
  async function launch(): Promise<void> {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1_048_576,
      minBytes: options.fetchMinBytes,
      maxWaitTimeInMs: options.fetchMaxWaitMs,
      // kafkajs restarts a crashed consumer inside the same object, where a runner still joining is not stopped
      // and can come back as a second member of the group next to its successor (seen after broker restarts
      // on a loaded machine: two members of one process, rebalancing every session timeout). So every crash
      // ends that consumer, and the service starts a fresh one (restart() below).
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5_000, restartOnFailure: () => Promise.resolve(false) },
    });
    current = consumer;
    health.launched();
    // Events of a replaced consumer describe nothing any more.
    const isCurrent = (): boolean => consumer === current;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!isCurrent() || stopping.signal.aborted) {
        // kafkajs can restart a consumer after it was disconnected (its crash handler schedules the restart
        // after its own disconnect, racing ours): a replaced or stopped consumer must not stay in the group.
        logger.warn('a replaced or stopped kafka consumer joined the group again, disconnecting it');
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      health.joined(payload.memberAssignment[topic] ?? []);
      if (joins > 0) metrics.rejoined();
      joins += 1;
      restartAttempt = 0;
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (isCurrent()) health.heartbeat();
    });
    let gaveUp = false;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!isCurrent() || payload.restart) return;
      gaveUp = true;
      logger.error({ kafkaError: kafkaErrorType(payload.error) ?? payload.error.name }, 'kafka consumer crashed');
      // While a replacement is starting this is a no-op: the check after run() below makes that attempt fail and retry.
      restart('crashed');
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: true,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch,
      });
      // run() does not throw when joining fails: kafkajs reports it as a crash instead.
      if (gaveUp) throw new Error('the kafka consumer crashed while joining its group');
    } catch (err) {
      if (isCurrent()) current = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    if (paused) pauseCurrent();
  }

  function restart(reason: RestartReason): void {
    if (stopping.signal.aborted || restarting) return;
    metrics.restarted(reason);
    restarting = (async () => {
      const old = current;
      current = undefined;
      if (old) replaced.add(old);
      logger.warn({ reason }, 'replacing the kafka consumer');
      await Promise.race([old?.disconnect(), sleep(DISCONNECT_TIMEOUT_MS, undefined, { ref: false })]).catch((err: unknown) =>
        logger.warn({ err }, 'the replaced kafka consumer did not disconnect cleanly'),
      );
      for (;;) {
        restartAttempt += 1;
        await sleep(Math.min(RESTART_MIN_MS * 2 ** (restartAttempt - 1), RESTART_MAX_MS), undefined, { signal: stopping.signal });
        try {
          await launch();
          return;
        } catch (err) {
          logger.warn({ err, attempt: restartAttempt }, 'new kafka consumer did not start, will try again');
        }
      }
    })()
      .catch((err: unknown) => {
        if (!stopping.signal.aborted) logger.error({ err }, 'replacing the kafka consumer failed');
      })
      .finally(() => {
        restarting = undefined;
      });
  }

  /** Replaces the consumer no sooner than REJOIN_GRACE_MS, even with a shorter stall time: kafkajs gets its chance to recover first. */
  function watch(): void {
    if (restarting || stopping.signal.aborted) return;
    const patienceMs = Math.max(options.stallMs, REJOIN_GRACE_MS);
    if (health.notMemberForMs() > patienceMs) restart('not-a-member');
    else if (!paused && health.assess().state === 'not-fetching' && health.notFetchingForMs() > patienceMs) restart('not-fetching');
  }

  function pauseCurrent(): void {
    try {
      current?.pause([{ topic }]);
    } catch (err) {
      logger.warn({ err }, 'could not pause the kafka consumer');
    }
  }

  try {
    await launch();
  } catch (err) {
    // The broker answered (the topic was checked before this), but the group is not ready: right after a broker
    // start its coordinator answers "loading" for a while. The service starts, not ready, and keeps trying.
    logger.warn({ err }, 'the kafka consumer did not join its group at start, will keep trying');
    restart('crashed');
  }
  const watchdog = setInterval(watch, Math.min(1_000, options.stallMs / 2));
  watchdog.unref();
  const stopLag = watchGroupLag(admin, {
    topic,
    groupId: options.groupId,
    intervalMs: options.lagIntervalMs,
    timeoutMs: LAG_TIMEOUT_MS,
    logger,
    onLag: (lag) => {
      health.lagMeasured(lag);
      metrics.lagMeasured(lag);
    },
  });

  return {
    assertHealthy: () => {
      const { state, stalled } = health.assess();
      return stalled ? Promise.reject(new DependencyState(state)) : Promise.resolve();
    },
    pause: () => {
      paused = true;
      pauseCurrent();
    },
    resume: () => {
      paused = false;
      health.resumed();
      current?.resume([{ topic }]);
    },
    stop: async () => {
      stopping.abort();
      clearInterval(watchdog);
      stopLag();
      await restarting;
      await Promise.all([current?.disconnect(), ...[...replaced].map((old) => old.disconnect().catch(() => undefined))]);
    },
  };
}
