import { fileURLToPath } from 'node:url';
import { connectMongo, type MongoConnection, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttendanceService, runDashboardService, type RunningService } from '../../../test/support/services.ts';
import { stack, testNamespace } from '../../../test/support/stack.ts';
import { runBenchmark, type BenchmarkReport } from '../../src/benchmark/run-benchmark.ts';
import type { RunExpectation } from '../../src/benchmark/run-ledger.ts';
import { verifyPersistence } from '../../src/benchmark/verify-persistence.ts';
import { seedCredentials } from '../../src/seed/seed-credentials.ts';
import { selectStudents } from '../../src/benchmark/select-students.ts';
import { schoolIdOf, studentIdOf } from '../../src/seed/id-formats.ts';
import { SEED_INFO_COLLECTION, writeRosterDescriptor } from '../../src/seed/roster-descriptor.ts';
import { seedRoster } from '../../src/seed/seed-roster.ts';
import type { SeedCredentials } from '../../src/shared/credentials-file.ts';

const ns = testNamespace('benchmark');
const roster = { schools: 4, studentsPerSchool: 60, idFormat: 'objectid' as const };
let attendance: RunningService;
let dashboard: RunningService;
let mongo: MongoConnection;
let credentials: SeedCredentials | undefined;

const shares = { duplicates: 0.05, invalid: 0.02 };
const stateDir = process.env.STACK_STATE_DIR ?? fileURLToPath(new URL('../../../.stack', import.meta.url));
const benchmark = (count: number) =>
  runBenchmark({
    url: attendance.url,
    dashboardUrl: dashboard.url,
    mongoUrl: ns.mongoUrl,
    timeZone: 'UTC',
    count,
    connections: 4,
    shares,
    drainTimeoutMs: 45_000,
    visibleLagSchools: 4,
    kafka: { brokers: [stack.kafkaBrokers], topic: ns.topic, groupId: ns.groupId },
    stateDir,
    redis: { url: stack.redisUrl, prefix: ns.redisPrefix },
    ...(credentials ? { credentials } : {}),
  });

beforeAll(async () => {
  // The attendance service creates the topic the dashboard subscribes to.
  attendance = await runAttendanceService(ns, {}, undefined, []);
  dashboard = await runDashboardService(ns);
  mongo = await connectMongo(ns.mongoUrl);
});

afterAll(async () => {
  await Promise.allSettled([attendance?.handle.stop(), dashboard?.handle.stop()]);
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

describe('seeding a roster', () => {
  it('writes every school and student once, and a second run finds them all already there', async () => {
    const first = await seedRoster(mongo.db, roster);
    expect(first.schools).toEqual({ inserted: 4, existing: 0 });
    expect(first.students).toEqual({ inserted: 240, existing: 0 });

    const second = await seedRoster(mongo.db, roster);
    expect(second.schools).toEqual({ inserted: 0, existing: 4 });
    expect(second.students).toEqual({ inserted: 0, existing: 240 });
    expect(await mongo.db.collection(STUDENTS_COLLECTION).countDocuments()).toBe(240);
  });

  it("lets the benchmark spread its students over every school, and falls back to the roster's order for a roster the seed did not describe", async () => {
    const spread = await selectStudents(mongo.db, { limit: 6, day: '2000-01-01' });
    expect(spread.how).toBe('spread');
    expect(spread.students.map((student) => student.schoolId)).toEqual([0, 1, 2, 3, 0, 1].map(schoolIdOf));
    expect(spread.students.map((student) => student.userId).slice(0, 2)).toEqual([studentIdOf('objectid', 0, 0, 60), studentIdOf('objectid', 1, 0, 60)]);

    // Asked of the state instead (as the benchmark asks Redis): a checked-in student is passed over for the next one.
    const asked: string[] = [];
    const fromState = await selectStudents(mongo.db, {
      limit: 4,
      day: '2000-01-01',
      checkedIn: async (students) => {
        asked.push(...students.map((student) => student.userId));
        return students.map((student) => student.userId === studentIdOf('objectid', 1, 0, 60));
      },
    });
    expect(fromState.skippedAlreadyCheckedIn).toBe(1);
    expect(fromState.students.map((student) => student.userId)).toEqual([studentIdOf('objectid', 0, 0, 60), studentIdOf('objectid', 1, 1, 60), studentIdOf('objectid', 2, 0, 60), studentIdOf('objectid', 3, 0, 60)]);
    // One window per school, the whole (60-student) roster of each: never beyond it.
    expect(asked).toHaveLength(240);

    await mongo.db.collection(SEED_INFO_COLLECTION).deleteMany({});
    const inOrder = await selectStudents(mongo.db, { limit: 6, day: '2000-01-01' });
    expect(inOrder.how).toBe('roster-order');
    expect(inOrder.students).toHaveLength(6);
    await writeRosterDescriptor(mongo.db, roster);
  });
});

describe('a benchmark run against the platform', () => {
  let report: BenchmarkReport;
  let expectation: RunExpectation;

  beforeAll(async () => {
    // What pnpm seed does after the roster: a device key per school and the staff tokens.
    credentials = await seedCredentials(mongo.db, Array.from({ length: roster.schools }, (_, i) => schoolIdOf(i)));
  });

  it('gets a 202 for every fresh record, a 409 for each duplicate and a 400 for each invalid body, and finds exactly the accepted records stored', async () => {
    ({ report, expectation } = await benchmark(200)); // 10 duplicates, 4 invalid bodies, 186 students
    expect(report.selection).toMatchObject({ how: 'spread', students: 186 });
    expect(report.verification, JSON.stringify(report.verification)).toMatchObject({ ok: true, missing: [], extra: [], mismatched: [], reportMismatches: [] });
    const [morning, afternoon] = report.waves;
    expect(morning).toMatchObject({ wave: 'morning', records: 200, answered: 200 });
    expect(morning?.answers).toEqual({ '202': 186, '409 already-checked-in': 10, '400 validation-failed': 4 });
    expect(afternoon).toMatchObject({ wave: 'afternoon', records: 200, answered: 200 });
    expect(afternoon?.answers).toEqual({ '202': 186, '409 already-checked-in': 10, '400 validation-failed': 4 });
    expect(report.verification).toMatchObject({ acceptedCheckIns: 186, acceptedCheckOuts: 186, documents: 372, uncertainUsers: 0 });
    expect(report.persistence).toMatchObject({ accepted: 372, complete: true, pending: 0, by: 'partition-reports' });
    expect(report.persistence.msFromLast202).toBeGreaterThanOrEqual(0);
  });

  it('times every accepted record of the watched schools to its count on the dashboard, samples the consumer lag from the broker, and splits CPU by process', () => {
    expect(report.visibleLag).toMatchObject({ schools: 4, records: 372, neverVisible: 0, complete: true });
    expect(report.consumerLag?.samples.length).toBeGreaterThanOrEqual(1);
    expect(report.consumerLag?.samples.every((sample) => sample.lag !== undefined)).toBe(true);
    expect(report.cpu?.map((phase) => phase.phase)).toEqual(['morning', 'afternoon', 'drain']);
    for (const phase of report.cpu ?? []) expect(phase.uses.map((use) => use.process)).toEqual(expect.arrayContaining(['ferretdb', 'postgres', 'benchmark']));
  });

  it('reports an accepted record that is not stored as missing, and the report it no longer matches', async () => {
    const victim = expectation.accepted.find((record) => record.type === 'checkin');
    if (!victim) throw new Error('the run accepted no check-in');
    const checkOut = expectation.accepted.find((record) => record.type === 'checkout' && record.userId === victim.userId);
    const attendances = mongo.db.collection<{ _id: string }>('attendances');
    // The student's records gone: their check-in and, when the run accepted one, their check-out.
    const planted = (await Promise.all(['checkin', 'checkout'].map((type) => attendances.findOneAndDelete({ _id: `${victim.userId}|${victim.day}|${type}` })))).filter((document) => document !== null);
    try {
      const result = await verifyPersistence(mongo.db, expectation);

      expect(result.ok).toBe(false);
      expect(result.missing).toContainEqual({ userId: victim.userId, day: victim.day, slot: 'checkIn', expected: victim.id });
      if (checkOut) expect(result.missing).toContainEqual({ userId: victim.userId, day: victim.day, slot: 'checkOut', expected: checkOut.id });
      expect(result.reportMismatches).toEqual([expect.objectContaining({ schoolId: victim.schoolId, day: victim.day })]);
    } finally {
      if (planted.length > 0) await attendances.insertMany(planted);
    }
  });

  it('reports a stored record the run never got a 202 for as extra', async () => {
    const checkOut = expectation.accepted.find((record) => record.type === 'checkout');
    if (!checkOut) throw new Error('the run accepted no check-out');
    const withoutIt: RunExpectation = { ...expectation, accepted: expectation.accepted.filter((record) => record !== checkOut) };

    const result = await verifyPersistence(mongo.db, withoutIt);

    expect(result.ok).toBe(false);
    expect(result.extra).toEqual([{ userId: checkOut.userId, day: checkOut.day, slot: 'checkOut', found: checkOut.id }]);
  });

  it('passes over the students already checked in today on a second run', async () => {
    const second = await benchmark(50); // 3 duplicates, 1 invalid body, 46 students of the 54 left
    expect(second.report.selection.skippedAlreadyCheckedIn).toBeGreaterThan(0);
    expect(second.report.selection.students).toBe(46);
    expect(second.report.waves[0]?.answers['202']).toBe(46);
    expect(second.report.verification.ok, JSON.stringify(second.report.verification)).toBe(true);
  });
});
