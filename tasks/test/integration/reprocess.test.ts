import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { addDays, dayOf, fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, type PartitionReportDocument, REPORTS_COLLECTION, type SchoolReport, toPartitionReportDocument } from '@attendance/common/records';
import { countsFromAttendances, countsFromReports } from '@attendance/common/report-audit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatchesPerSchool, postJson, runAttendanceService, runDashboardService, type RunningService } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { runJob } from '../../src/domain/job-runner.ts';
import { createJobContext, type JobContext } from '../../src/jobs.ts';
import { jobTestConfig, stopJobPlatform } from '../support/job-platform.ts';

const ns = testNamespace('reprocess');
const logger = pino({ level: 'silent' });
const observer = { finished: () => undefined };
const today = dayOf(Date.now(), 'UTC');
const yesterday = addDays(today, -1);
const schools = ['east', 'west'];
let attendance: RunningService;
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
let context: JobContext;
const progress: string[] = [];

const scope = { schoolIds: schools, days: [yesterday, today] };
const checkIns = (count: number, timestamp: number | string, temperature = 36.6) =>
  Array.from({ length: count }, (_, i) => ({ type: 'checkin', userId: randomId(), schoolId: schools[i % 2] as string, timestamp, temperature: i % 5 === 0 ? 38.4 : temperature }));

async function storedExactly(): Promise<void> {
  await waitFor(async () => JSON.stringify([...(await countsFromReports(mongo.db, scope))]) === JSON.stringify([...(await countsFromAttendances(mongo.db, scope))]), { what: 'reports to equal attendances', timeoutMs: 60_000 });
}

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection('students').insertMany([{ _id: 'east-away', schoolId: 'east', name: 'Away', createdAt: new Date() }] as never[]);
  attendance = await runAttendanceService(ns, {}, undefined, schools);
  await mongo.db.collection<{ _id: string; startTime?: string }>('schools').updateOne({ _id: 'east' }, { $set: { startTime: '09:00' } });
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200', CONSUMER_FETCH_MIN_BYTES: '1', CONSUMER_FETCH_MAX_WAIT_MS: '100' });
  context = await createJobContext(jobTestConfig(ns), logger, {
    reprocess: { from: yesterday, to: today, onProgress: (line) => progress.push(line) },
  });
  // Yesterday: some late (east starts at 09:00), some with a fever; today: check-ins and an excuse.
  expect((await postBatchesPerSchool(attendance.url, [...checkIns(40, `${yesterday}T09:20:00Z`), ...checkIns(20, `${yesterday}T08:40:00Z`), ...checkIns(30, Date.now())])).accepted).toBe(90);
  expect((await postJson(`${dashboard.url}/schools/east/students/east-away/days/${today}/corrections`, { action: 'excuse', reason: 'sick' }, { key: dashboard.adminToken })).status).toBe(202);
  await waitFor(async () => (await getJson(`${dashboard.url}/schools/east`)).body.excused === 1, { what: 'the excuse' });
  await storedExactly();
  // Yesterday closed, as the scheduled close-reports leaves it.
  const closed = await runJob(context.jobs['close-reports'], context.lock, logger, observer);
  expect(closed.outcome).toBe('success');
});

afterAll(async () => {
  await stopJobPlatform({ context, dashboard, attendance, mongo });
});

describe('the reprocess job', () => {
  it('restores the exact figures after a deliberate corruption of the reports, while records keep arriving, and changes nothing the second time', async () => {
    const truth = await countsFromAttendances(mongo.db, scope);
    expect(truth.get(`east|${yesterday}`)).toMatchObject({ lates: 20 });
    expect(truth.get(`east|${today}`)).toMatchObject({ excused: 1 });

    // Corrupt every partition report of both days (as a counting bug would) and yesterday's closed reports.
    const partitionReports = mongo.db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION);
    for (const document of await partitionReports.find({ day: { $in: [yesterday, today] } }).toArray()) {
      const report = fromPartitionReportDocument(document);
      for (const counts of Object.values(report.schools)) Object.assign(counts, { checkIns: counts.checkIns + 3, lates: 0, fevers: counts.fevers * 2, excused: 0 });
      await partitionReports.replaceOne({ _id: document._id }, toPartitionReportDocument({ ...report, updatedAt: new Date() }));
    }
    await mongo.db.collection<SchoolReport>(REPORTS_COLLECTION).updateMany({ day: yesterday }, { $set: { checkIns: 0 } });
    expect(await countsFromReports(mongo.db, scope)).not.toEqual(truth);

    // Today's records keep arriving while the job runs.
    const arriving = postBatchesPerSchool(attendance.url, checkIns(60, Date.now()));
    const run = await runJob(context.jobs.reprocess, context.lock, logger, observer);
    expect((await arriving).accepted).toBe(60);
    expect(run.outcome).toBe('success');
    const summary = run.summary as { items: number; changes: { day: string; schoolId: string; field: string; before: number; after: number }[] };
    expect(summary.items).toBeGreaterThan(0);
    expect(summary.changes).toContainEqual(expect.objectContaining({ day: yesterday, schoolId: 'east', field: 'lates', before: 0 }));
    expect(progress.some((line) => line.includes(`${today}: done`))).toBe(true);

    await storedExactly();
    expect(totalChecks(await countsFromAttendances(mongo.db, scope))).toBe(90 + 60);
    const closed = await mongo.db.collection<SchoolReport>(REPORTS_COLLECTION).findOne({ _id: `east|${yesterday}` });
    expect(closed).toMatchObject({ checkIns: truth.get(`east|${yesterday}`)?.checkIns, lates: 20 });

    const again = await runJob(context.jobs.reprocess, context.lock, logger, observer);
    expect(again).toMatchObject({ outcome: 'success', summary: { items: 0, changes: [] } });
  });

  it('is skipped while another run holds its lock', async () => {
    const held = await context.lock.acquire('reprocess');
    try {
      expect((await runJob(context.jobs.reprocess, context.lock, logger, observer)).outcome).toBe('skipped');
    } finally {
      await held?.release();
    }
  });
});

function totalChecks(counts: Map<string, { checkIns: number }>): number {
  return [...counts.values()].reduce((sum, entry) => sum + entry.checkIns, 0);
}
