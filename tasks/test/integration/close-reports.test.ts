import { createKafka, ensureTopic } from '@attendance/common/kafka';
import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { addDays, CLOSED_DAYS_COLLECTION, PARTITION_REPORTS_COLLECTION, type PartitionReport, type PartitionReportDocument, REPORTS_COLLECTION, type SchoolReport, toPartitionReportDocument } from '@attendance/common/records';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, testNamespace } from '../../../test/support/stack.ts';
import { runJob } from '../../src/domain/job-runner.ts';
import type { ClosedDay } from '../../src/domain/jobs/close-reports.ts';
import { createJobContext, type JobContext } from '../../src/jobs.ts';
import { jobTestConfig, stopJobPlatform } from '../support/job-platform.ts';

const ns = testNamespace('close-reports');
const logger = pino({ level: 'silent' });
const observer = { finished: () => undefined };
const today = new Date().toISOString().slice(0, 10);
const yesterday = addDays(today, -1);
const twoDaysAgo = addDays(today, -2);
let mongo: MongoConnection;
let context: JobContext;

/** As the consumer stores it (schools as JSON text, see PartitionReportDocument). */
const partitionReport = (day: string, partition: number, offset: number, schools: PartitionReport['schools']): PartitionReportDocument => toPartitionReportDocument({ _id: `${day}|${partition}`, day, partition, offset, schools, updatedAt: new Date() });

beforeAll(async () => {
  // The job reads the partition count from the broker: the topic must exist, with 3 partitions.
  const admin = createKafka('close-reports-test', [stack.kafkaBrokers], logger).admin();
  await admin.connect();
  await ensureTopic(admin, ns.topic, 3);
  await admin.disconnect();
  mongo = await connectMongo(ns.mongoUrl);
  context = await createJobContext(jobTestConfig(ns, { CLOSE_REPORTS_LOOKBACK_DAYS: '2' }), logger);
});

afterAll(async () => {
  await stopJobPlatform({ context, mongo });
});

describe('close-reports against the real stack', () => {
  it("writes each school's closed report from the day's partition reports, and a second run skips the unchanged days", async () => {
    await mongo.db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION).insertMany([
      partitionReport(yesterday, 0, 120, { 'school-a': { checkIns: 40, checkOuts: 38, fevers: 2, lates: 0, excused: 0 }, 'school-b': { checkIns: 7, checkOuts: 7, fevers: 0, lates: 0, excused: 0 } }),
      partitionReport(yesterday, 2, 99, { 'school-a': { checkIns: 11, checkOuts: 10, fevers: 1, lates: 0, excused: 0 } }),
      partitionReport(twoDaysAgo, 1, 3, { 'school-b': { checkIns: 2, checkOuts: 1, fevers: 1, lates: 0, excused: 0 } }),
      // Today is still open: the scheduled run leaves it alone.
      partitionReport(today, 0, 5, { 'school-a': { checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } }),
    ]);

    const first = await runJob(context.jobs['close-reports'], context.lock, logger, observer);
    expect(first).toMatchObject({ outcome: 'success', summary: { items: 3, closedDays: [twoDaysAgo, yesterday], unchangedDays: 0 } });
    const reports = mongo.db.collection<SchoolReport>(REPORTS_COLLECTION);
    expect(await reports.findOne({ _id: `school-a|${yesterday}` })).toMatchObject({ schoolId: 'school-a', day: yesterday, checkIns: 51, checkOuts: 48, fevers: 3, closedAt: expect.any(Date) });
    expect(await reports.findOne({ _id: `school-b|${yesterday}` })).toMatchObject({ checkIns: 7, checkOuts: 7, fevers: 0, lates: 0, excused: 0 });
    expect(await reports.findOne({ _id: `school-b|${twoDaysAgo}` })).toMatchObject({ checkIns: 2, checkOuts: 1, fevers: 1, lates: 0, excused: 0 });
    expect(await reports.findOne({ _id: `school-a|${today}` })).toBeNull();
    expect(await mongo.db.collection<ClosedDay>(CLOSED_DAYS_COLLECTION).findOne({ _id: yesterday })).toMatchObject({ partitions: 3, state: expect.stringMatching(/^0:120@\d+,1:-,2:99@\d+$/), schools: 2 });

    const second = await runJob(context.jobs['close-reports'], context.lock, logger, observer);
    expect(second).toMatchObject({ outcome: 'success', summary: { items: 0, closedDays: [], unchangedDays: 2 } });
    expect(await reports.countDocuments()).toBe(3);

    // A late record for yesterday moves partition 1 on: the next run rewrites that day only.
    await mongo.db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION).insertOne(partitionReport(yesterday, 1, 0, { 'school-b': { checkIns: 0, checkOuts: 1, fevers: 0, lates: 0, excused: 0 } }));
    const third = await runJob(context.jobs['close-reports'], context.lock, logger, observer);
    expect(third).toMatchObject({ outcome: 'success', summary: { items: 2, closedDays: [yesterday], unchangedDays: 1 } });
    expect(await reports.findOne({ _id: `school-b|${yesterday}` })).toMatchObject({ checkIns: 7, checkOuts: 8, fevers: 0, lates: 0, excused: 0 });
    expect(await reports.countDocuments()).toBe(3);
  });
});
