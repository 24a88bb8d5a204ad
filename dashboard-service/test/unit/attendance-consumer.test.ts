import { EventEmitter } from 'node:events';
import { createLogger } from '@attendance/common/config';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { startAttendanceConsumer, type AttendanceConsumer } from '../../src/entry-points/kafka/attendance-consumer.ts';
import { consumerMetrics } from '../../src/entry-points/kafka/consumer-metrics.ts';
import type { StorePorts } from '../../src/domain/store-messages.ts';

const events = { GROUP_JOIN: 'consumer.group_join', HEARTBEAT: 'consumer.heartbeat', CRASH: 'consumer.crash' };

/** A stand-in for a kafkajs consumer: records what the service does with it and lets the test emit its instrumentation events. */
class FakeConsumer extends EventEmitter {
  readonly events = events;
  ran = false;
  disconnected = false;
  /** Fails to join the way kafkajs does: run() resolves and a crash it will not restart is reported. */
  crashesOnRun = false;
  connect = async () => undefined;
  subscribe = async () => undefined;
  run = async () => {
    this.ran = true;
    if (this.crashesOnRun) this.emitEvent(events.CRASH, { error: new Error('Failed to find group coordinator'), restart: false });
  };
  disconnect = async () => {
    this.disconnected = true;
  };
  pause = () => undefined;
  resume = () => undefined;
  emitEvent(name: string, payload: unknown): void {
    this.emit(name, { payload });
  }
}

const consumers: FakeConsumer[] = [];
/** Indexes of the consumers to be created that fail to join. */
const crashingOnRun = new Set<number>();
const kafka = {
  consumer: () => {
    const consumer = new FakeConsumer();
    consumer.crashesOnRun = crashingOnRun.has(consumers.length);
    consumers.push(consumer);
    return consumer as unknown as Consumer;
  },
} as unknown as Kafka;
const admin = { fetchTopicOffsets: async () => [{ partition: 0, offset: '0', high: '0', low: '0' }], fetchOffsets: async () => [] } as unknown as Admin;
let running: AttendanceConsumer | undefined;
let registry: Registry;

async function start(): Promise<AttendanceConsumer> {
  registry = new Registry();
  running = await startAttendanceConsumer(kafka, admin, {
    topic: 'attendance',
    groupId: 'dashboard',
    partitionsConsumedConcurrently: 1,
    fetchMinBytes: 1,
    fetchMaxWaitMs: 100,
    logger: createLogger('test', 'silent'),
    metrics: consumerMetrics(registry),
    ports: {} as StorePorts,
    retryInitialMs: 10,
    retryMaxMs: 100,
    stallMs: 60_000,
    lagIntervalMs: 60_000,
  });
  return running;
}

async function restarts(reason: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('dashboard_consumer_restarts_total')?.get();
  return metric?.values.find((value) => value.labels.reason === reason)?.value;
}

afterEach(async () => {
  await running?.stop();
  consumers.length = 0;
  crashingOnRun.clear();
});

describe('the consumer supervisor', () => {
  it('replaces a kafkajs consumer that crashed without restarting: disconnects it, then runs a new one', async () => {
    await start();
    const first = consumers[0] as FakeConsumer;
    first.emitEvent(events.GROUP_JOIN, { memberAssignment: { attendance: [0] } });
    first.emitEvent(events.CRASH, { error: Object.assign(new Error('Specified group generation id is not valid'), { type: 'ILLEGAL_GENERATION' }), restart: false });
    const second = await waitFor(() => (consumers[1]?.ran ? consumers[1] : undefined), { timeoutMs: 5_000, what: 'a new consumer to run' });
    expect(first.disconnected).toBe(true);
    expect(second.disconnected).toBe(false);
    expect(await restarts('crashed')).toBe(1);
  });

  it('keeps replacing with backoff when a replacement itself fails to join', async () => {
    crashingOnRun.add(1);
    await start();
    (consumers[0] as FakeConsumer).emitEvent(events.CRASH, { error: new Error('gone'), restart: false });
    const third = await waitFor(() => (consumers[2]?.ran ? consumers[2] : undefined), { timeoutMs: 10_000, what: 'a third consumer to run' });
    expect(consumers[1]?.disconnected).toBe(true);
    expect(third.disconnected).toBe(false);
    expect(await restarts('crashed')).toBe(1);
  });

  it('starts when its first consumer fails to join (a coordinator still loading after a broker start) and keeps trying', async () => {
    crashingOnRun.add(0);
    await start();
    const second = await waitFor(() => (consumers[1]?.ran ? consumers[1] : undefined), { timeoutMs: 5_000, what: 'a second consumer to run' });
    expect(consumers[0]?.disconnected).toBe(true);
    expect(second.disconnected).toBe(false);
    expect(await restarts('crashed')).toBe(1);
  });

  it('leaves a crash that kafkajs restarts itself to kafkajs', async () => {
    await start();
    (consumers[0] as FakeConsumer).emitEvent(events.CRASH, { error: new Error('Connection error'), restart: true });
    expect(consumers).toHaveLength(1);
    expect(await restarts('crashed')).toBe(0);
  });

  it('ignores what a replaced consumer still reports', async () => {
    await start();
    const first = consumers[0] as FakeConsumer;
    first.emitEvent(events.CRASH, { error: new Error('gone'), restart: false });
    await waitFor(() => consumers[1]?.ran, { timeoutMs: 5_000, what: 'a new consumer to run' });
    first.emitEvent(events.CRASH, { error: new Error('gone again'), restart: false });
    expect(consumers).toHaveLength(2);
    expect(await restarts('crashed')).toBe(1);
  });

  it('disconnects a replaced consumer that kafkajs revives and that joins the group again', async () => {
    await start();
    const first = consumers[0] as FakeConsumer;
    first.emitEvent(events.CRASH, { error: new Error('gone'), restart: false });
    await waitFor(() => consumers[1]?.ran, { timeoutMs: 5_000, what: 'a new consumer to run' });
    first.disconnected = false;
    first.emitEvent(events.GROUP_JOIN, { memberAssignment: { attendance: [0] } });
    await waitFor(() => first.disconnected, { timeoutMs: 5_000, what: 'the revived consumer to be disconnected' });
    expect(consumers[1]?.disconnected).toBe(false);
  });

  it('stops the current consumer on stop()', async () => {
    const consumer = await start();
    await consumer.stop();
    expect(consumers[0]?.disconnected).toBe(true);
  });
});
