import { createLogger } from '@attendance/common/config';
import { createKafka } from '@attendance/common/kafka';
import { connectMongo, type DeadLetter, type MongoConnection } from '@attendance/common/mongo';
import { countsFromAttendances, countsFromReports, totalOf } from '@attendance/common/report-audit';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, stopEngine } from '../../../test/support/engine-control.ts';
import { produceRaw } from '../../../test/support/kafka-topic.ts';
import { spawnService } from '../../../test/support/processes.ts';
import { postBatchesPerSchool, runAttendanceService, runDashboardService, type RunningService } from '../../../test/support/services.ts';
import { randomId, stack, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const schools = ['north', 'south', 'east'];
type Totals = { checkIns: number; checkOuts: number; fevers: number; lates: number; excused: number };

/**
 * Each test has its own data: a namespace (topic, group, database), an
 * attendance-service that writes to it, and the totals it sent, so no test
 * depends on what an earlier one left behind.
 */
async function consumerFixture(label: string) {
  const ns = testNamespace(label);
  const attendance: RunningService = await runAttendanceService(ns, {}, undefined, schools);
  const mongo: MongoConnection = await connectMongo(ns.mongoUrl);
  let expected: Totals = { checkIns: 0, checkOuts: 0, fevers: 0, lates: 0, excused: 0 };

  /** Checks in `count` new students (every 7th with a fever) and checks out every other one, through the HTTP API. */
  async function sendDay(count: number): Promise<Totals> {
    const users = Array.from({ length: count }, (_, i) => ({ userId: randomId(), schoolId: schools[i % schools.length] as string, fever: i % 7 === 0 }));
    const records = users.map((user) => ({ type: 'checkin', userId: user.userId, schoolId: user.schoolId, timestamp: Date.now(), temperature: user.fever ? 38.4 : 36.7 }));
    const checkouts = users.filter((_, i) => i % 2 === 0).map((user) => ({ type: 'checkout', userId: user.userId, schoolId: user.schoolId, timestamp: Date.now(), temperature: 36.5 }));
    for (const batch of [records, checkouts]) {
      const sent = await postBatchesPerSchool(attendance.url, batch);
      expect(sent.statuses.every((status) => status === 200)).toBe(true);
      expect(sent.accepted).toBe(batch.length);
    }
    return { checkIns: users.length, checkOuts: checkouts.length, fevers: users.filter((user) => user.fever).length, lates: 0, excused: 0 };
  }

  return {
    ns,
    mongo,
    sendDay,
    /** Adds what a sent day counts to what this test expects. */
    add: (more: Totals): void => {
      expected = { checkIns: expected.checkIns + more.checkIns, checkOuts: expected.checkOuts + more.checkOuts, fevers: expected.fevers + more.fevers, lates: expected.lates + more.lates, excused: expected.excused + more.excused };
    },
    waitForTotals: async (timeoutMs = 60_000): Promise<void> => {
      await waitFor(
        async () => {
          const total = totalOf(await countsFromReports(mongo.db));
          return total.checkIns === expected.checkIns && total.checkOuts === expected.checkOuts && total.fevers === expected.fevers ? total : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `reports to add up to ${JSON.stringify(expected)}` },
      );
    },
    expectReportsToMatchAttendances: async (): Promise<void> => {
      const fromAttendances = await countsFromAttendances(mongo.db);
      expect(await countsFromReports(mongo.db)).toEqual(fromAttendances);
      expect(totalOf(fromAttendances)).toEqual(expected);
      expect(await mongo.db.collection('attendances').countDocuments()).toBe(expected.checkIns + expected.checkOuts);
    },
    stop: async (): Promise<void> => {
      await attendance.handle.stop();
      await mongo.db.dropDatabase();
      await mongo.client.close();
    },
  };
}

let fixture: Awaited<ReturnType<typeof consumerFixture>> | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe('the dashboard consumer', () => {
  it('stores every accepted record once and the reports match attendances exactly', async () => {
    const { ns, mongo, sendDay, add, waitForTotals, expectReportsToMatchAttendances } = (fixture = await consumerFixture('consumer-once'));
    const dashboard = await runDashboardService(ns);
    try {
      add(await sendDay(300));
      await waitForTotals();
      await expectReportsToMatchAttendances();
      expect(await mongo.db.collection('dlq').countDocuments()).toBe(0);
    } finally {
      await dashboard.handle.stop();
    }
  });

  it('changes no report when the group replays the topic from the start', async () => {
    const { ns, mongo, sendDay, add, waitForTotals, expectReportsToMatchAttendances } = (fixture = await consumerFixture('consumer-replay'));
    const first = await runDashboardService(ns);
    try {
      add(await sendDay(300));
      await waitForTotals();
    } finally {
      await first.handle.stop();
    }
    const kafka = createKafka('test-admin', stack.kafkaBrokers.split(','), createLogger('test', 'error'));
    const admin = kafka.admin();
    await admin.connect();
    const before = await countsFromReports(mongo.db);
    await admin.resetOffsets({ groupId: ns.groupId, topic: ns.topic, earliest: true });
    const dashboard = await runDashboardService(ns);
    try {
      const ends = await admin.fetchTopicOffsets(ns.topic);
      await waitFor(
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId: ns.groupId, topics: [ns.topic] });
          return ends.every((end) => committed?.partitions.find((p) => p.partition === end.partition)?.offset === end.high);
        },
        { timeoutMs: 60_000, what: 'the replay to reach the end of the topic' },
      );
      expect(await countsFromReports(mongo.db)).toEqual(before);
      await expectReportsToMatchAttendances();
    } finally {
      await dashboard.handle.stop();
      await admin.disconnect();
    }
  });

  it('ends with exact reports after being killed with SIGKILL in the middle of its work', async () => {
    const { ns, mongo, sendDay, add, waitForTotals, expectReportsToMatchAttendances } = (fixture = await consumerFixture('consumer-kill'));
    // Small fetches, so the kill lands between batches of one wave (with the default 1 MB / 1 s a single batch can hold all of it).
    const env = { KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_TOPIC: ns.topic, KAFKA_GROUP_ID: ns.groupId, MONGO_URL: ns.mongoUrl, CONSUMER_FETCH_MIN_BYTES: '1', CONSUMER_FETCH_MAX_WAIT_MS: '100', SCHOOL_START_TIME: '23:59' };
    const victim = await spawnService('dashboard-service', env);
    const before = totalOf(await countsFromReports(mongo.db)).checkIns;
    const sent = sendDay(3000);
    // Kill it once it is visibly part-way through the new records.
    await waitFor(async () => totalOf(await countsFromReports(mongo.db)).checkIns > before + 200, { timeoutMs: 60_000, intervalMs: 20, what: 'the consumer to be mid-way' });
    victim.child.kill('SIGKILL');
    await victim.exited;
    const total = await sent;
    add(total);
    expect(totalOf(await countsFromReports(mongo.db)).checkIns).toBeLessThan(total.checkIns);
    const survivor = await spawnService('dashboard-service', env);
    try {
      await waitForTotals();
      await expectReportsToMatchAttendances();
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
  });

  it('sends a poison message to the dlq with its reason and stores the records after it', async () => {
    const { ns, mongo, sendDay, add, waitForTotals, expectReportsToMatchAttendances } = (fixture = await consumerFixture('consumer-poison'));
    const dashboard = await runDashboardService(ns);
    try {
      await produceRaw(ns.topic, [
        { key: 'poison', value: '{"type":"checkin",' },
        { key: 'bad-temp', value: JSON.stringify({ id: 'x1', type: 'checkin', userId: 'bad-temp', schoolId: 'north', timestamp: new Date().toISOString(), day: '2026-11-21', temperature: 99, receivedAt: new Date().toISOString() }) },
      ]);
      add(await sendDay(30));
      await waitForTotals();
      const letters = await mongo.db.collection<DeadLetter>('dlq').find({}).sort({ 'error.code': 1 }).toArray();
      expect(letters.map((letter) => [letter.error.code, letter.status, letter.attempts])).toEqual([
        ['invalid-json', 'pending', 0],
        ['invalid-record', 'pending', 0],
      ]);
      expect(letters[0]).toMatchObject({ record: '{"type":"checkin",', source: { topic: ns.topic, offset: expect.any(Number), partition: expect.any(Number) } });
      expect(letters[1]?.error.details).toEqual([{ field: 'temperature', message: expect.stringContaining('45') }]);
      await expectReportsToMatchAttendances();
      const metrics = await (await fetch(`${dashboard.url}/metrics`)).text();
      expect(metrics).toMatch(/dashboard_dlq_writes_total\{reason="invalid-json"\} 1/);
    } finally {
      await dashboard.handle.stop();
    }
  });

  it('waits out a 20 s MongoDB outage without dead-lettering anything, then stores every record', async () => {
    const { ns, mongo, sendDay, add, waitForTotals, expectReportsToMatchAttendances } = (fixture = await consumerFixture('consumer-outage'));
    const dashboard = await runDashboardService(ns);
    const lettersBefore = await mongo.db.collection('dlq').countDocuments();
    try {
      const first = sendDay(150);
      await stopEngine('ferretdb');
      const stoppedAt = Date.now();
      add(await first);
      add(await sendDay(150));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - stoppedAt))));
      await startEngine('ferretdb');
      await waitForTotals(90_000);
      await expectReportsToMatchAttendances();
      expect(await mongo.db.collection('dlq').countDocuments()).toBe(lettersBefore);
      const metrics = await (await fetch(`${dashboard.url}/metrics`)).text();
      expect(metrics).toMatch(/dashboard_batches_total\{outcome="retry"\} [1-9]/);
    } finally {
      await startEngine('ferretdb');
      await dashboard.handle.stop();
    }
  });
});
