import { Writable } from 'node:stream';
import { connectMongo, type DeadLetter, type MongoConnection, type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import {
  addDays,
  type AttendanceDocument,
  attendanceId,
  ATTENDANCES_COLLECTION,
  type AttendanceType,
  type CorrectionDocument,
  CORRECTIONS_COLLECTION,
  journalDocumentsOf,
  STATE_JOURNAL_COLLECTION,
  STATE_JOURNAL_START_ID,
  type StateJournalDocument,
  type StateJournalStartDocument,
} from '@attendance/common/records';
import { connectRedis, encodeConfirmedState, rosterCurrentKey, rosterLocation, rosterSchoolMark, schoolFingerprint, stateLocation } from '@attendance/common/redis';
import { countsFromAttendances, countsFromReports } from '@attendance/common/report-audit';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, runAttendanceService, runDashboardService, type RunningService } from '../../../test/support/services.ts';
import { randomId, stack, testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { ANOMALIES_COLLECTION, type AnomalyDocument } from '../../../attendance-service/src/data-access/anomaly-store.ts';
import { runJob } from '../../src/domain/job-runner.ts';
import { createJobContext, type JobContext } from '../../src/jobs.ts';
import { jobTestConfig, stopJobPlatform } from '../support/job-platform.ts';

const ns = testNamespace('tasks');
const today = new Date().toISOString().slice(0, 10);
let attendance: RunningService;
let dashboard: RunningService;
let redis: Redis;
let mongo: MongoConnection;
let context: JobContext;
const lines: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);
const observer = { finished: () => undefined };

function config(env: Record<string, string> = {}) {
  return jobTestConfig(ns, { DLQ_MAX_ATTEMPTS: '2', DLQ_BACKOFF_SECONDS: '1', ...env });
}

beforeAll(async () => {
  attendance = await runAttendanceService(ns, {}, undefined, ['school-1', 'school-2', 'school-3', 'school-4', 'school-5', 'school-6']);
  dashboard = await runDashboardService(ns);
  redis = await connectRedis(stack.redisUrl);
  mongo = await connectMongo(ns.mongoUrl);
  context = await createJobContext(config(), logger);
});

afterAll(async () => {
  await stopJobPlatform({ context, dashboard, attendance, mongo });
  await redis?.quit();
});

async function checkIn(userId: string, schoolId = 'school-1') {
  return postJson(`${attendance.url}/attendances`, { type: 'checkin', userId, schoolId, timestamp: Date.now(), temperature: 36.6 });
}

describe('rollover', () => {
  it("removes past days' attendance keys only: today's keys and unrelated keys survive", async () => {
    const pastKeys = [stateLocation(ns.redisPrefix, '2026-01-05', '42').key, stateLocation(ns.redisPrefix, '2025-12-31', '65f1a2b3c4d5e6f7a8b9c0ff').key];
    for (const key of pastKeys) await redis.hset(key, '1', '480');
    expect((await checkIn(randomId())).status).toBe(202);
    const todayKeys = (await redis.keys(`${ns.redisPrefix}:d:${today.replaceAll('-', '')}:*`)).sort();
    const unrelated = [`${ns.redisPrefix}:cache:schools:2025-01-01`, `${ns.redisPrefix}:dx:20250101:n1`, `other-app:d:20250101:n1`];
    for (const key of unrelated) await redis.set(key, 'keep');

    const run = await runJob(context.jobs.rollover, context.lock, logger, observer);
    expect(run).toMatchObject({ outcome: 'success', summary: { removedKeys: 2 } });
    expect(await redis.exists(...pastKeys)).toBe(0);
    expect((await redis.keys(`${ns.redisPrefix}:d:${today.replaceAll('-', '')}:*`)).sort()).toEqual(todayKeys);
    expect(await redis.exists(...unrelated)).toBe(unrelated.length);
    await redis.del(...unrelated);
    expect((await runJob(context.jobs.rollover, context.lock, logger, observer)).summary?.removedKeys).toBe(0);
  });
});

describe('rollover of the state journal', () => {
  it("removes journal documents of days before yesterday: yesterday's and today's stay", async () => {
    const journal = mongo.db.collection<StateJournalDocument>(STATE_JOURNAL_COLLECTION);
    const documentOf = (day: string) => journalDocumentsOf({ partition: 0, firstOffset: 0, lastOffset: 0 }, [{ userId: randomId(), schoolId: 'school-1', day, type: 'checkin', at: new Date(`${day}T08:00:00Z`) }], new Date());
    const days = [addDays(today, -3), addDays(today, -2), addDays(today, -1), today];
    await journal.insertMany(days.flatMap(documentOf));

    const run = await runJob(context.jobs.rollover, context.lock, logger, observer);
    expect(run).toMatchObject({ outcome: 'success', summary: { removedJournalDocuments: 2 } });
    expect((await journal.find({ _id: { $in: days.map((day) => documentOf(day)[0]?._id ?? '') } }).toArray()).map((document) => document.day).sort()).toEqual(days.slice(2));
  });
});

describe('dead-letter retry', () => {
  const entry = (id: string, record: unknown, attempts = 0): DeadLetter => ({
    _id: id,
    record,
    error: { code: 'database-unavailable', message: 'MongoDB was down' },
    source: { topic: ns.topic, partition: 0, offset: 0 },
    attempts,
    status: 'pending',
    createdAt: new Date(),
    updatedAt: new Date(),
    nextAttemptAt: new Date(Date.now() - 1000),
  });

  it('stores a record that failed while MongoDB was down exactly once, counted once in its report', async () => {
    const userId = randomId();
    const record = { id: randomId('r'), type: 'checkin', userId, schoolId: 'dlq-school', timestamp: new Date().toISOString(), day: today, temperature: 38.6, receivedAt: new Date().toISOString() };
    await mongo.db.collection<DeadLetter>('dlq').insertOne(entry(`${ns.topic}:0:900001`, record));

    const run = await runJob(context.jobs['dlq-retry'], context.lock, logger, observer);
    expect(run).toMatchObject({ outcome: 'success', summary: { retried: 1, parked: 0 } });
    await waitFor(async () => (await mongo.db.collection<DeadLetter>('dlq').findOne({ _id: `${ns.topic}:0:900001` }))?.status === 'resolved', { what: 'the entry to be resolved' });
    expect(await mongo.db.collection('attendances').countDocuments({ userId })).toBe(1);

    // Retried again (an operator re-queues it): still stored once, still counted once.
    await mongo.db.collection<DeadLetter>('dlq').updateOne({ _id: `${ns.topic}:0:900001` }, { $set: { status: 'pending', nextAttemptAt: new Date(0) } });
    await runJob(context.jobs['dlq-retry'], context.lock, logger, observer);
    await waitFor(async () => (await mongo.db.collection<DeadLetter>('dlq').findOne({ _id: `${ns.topic}:0:900001` }))?.status === 'resolved', { what: 'the entry to be resolved again' });
    const reports = await countsFromReports(mongo.db);
    expect(reports.get(`dlq-school|${today}`)).toEqual({ checkIns: 1, checkOuts: 0, fevers: 1, lates: 0, excused: 0 });
    expect(reports).toEqual(await countsFromAttendances(mongo.db));
  });

  it('parks an entry that keeps failing after the maximum attempts, with its last error', async () => {
    const id = `${ns.topic}:0:900002`;
    await mongo.db.collection<DeadLetter>('dlq').insertOne(entry(id, { type: 'checkin', userId: 'u', temperature: 99 }));
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const before = new Date();
      await mongo.db.collection<DeadLetter>('dlq').updateOne({ _id: id }, { $set: { nextAttemptAt: new Date(0) } });
      expect((await runJob(context.jobs['dlq-retry'], context.lock, logger, observer)).summary).toMatchObject({ retried: 1 });
      await waitFor(async () => ((await mongo.db.collection<DeadLetter>('dlq').findOne({ _id: id }))?.lastFailedAt ?? new Date(0)) >= before, { what: `attempt ${attempt} to fail` });
    }
    await mongo.db.collection<DeadLetter>('dlq').updateOne({ _id: id }, { $set: { nextAttemptAt: new Date(0) } });
    expect((await runJob(context.jobs['dlq-retry'], context.lock, logger, observer)).summary).toMatchObject({ retried: 0, parked: 1 });
    expect(await mongo.db.collection<DeadLetter>('dlq').findOne({ _id: id })).toMatchObject({ status: 'parked', attempts: 2, error: { code: 'invalid-record' }, parkedAt: expect.any(Date) });
  });
});

describe('job lock', () => {
  it('runs a job started on two instances at once only once; the other skips with a clear log line', async () => {
    const other = await createJobContext(config(), logger);
    try {
      const runs = await Promise.all([runJob(context.jobs.rollover, context.lock, logger, observer), runJob(other.jobs.rollover, other.lock, logger, observer)]);
      expect(runs.map((run) => run.outcome).sort()).toEqual(['skipped', 'success']);
      expect(lines.some((line) => line.job === 'rollover' && line.outcome === 'skipped' && String(line.msg).includes('another instance holds its lock'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('rebuild', () => {
  it('after Redis lost the day, makes a student who already checked in get 409 again', async () => {
    const userId = randomId();
    expect((await checkIn(userId)).status).toBe(202);
    await waitFor(async () => (await mongo.db.collection('attendances').countDocuments({ userId })) === 1, { what: 'the check-in to be stored' });
    const { key } = stateLocation(ns.redisPrefix, today, userId);
    // Wipe this namespace's state (never FLUSHALL: the Redis server is shared).
    const keys = await redis.keys(`${ns.redisPrefix}:d:*`);
    await redis.del(...keys);
    expect(await redis.exists(key)).toBe(0);

    const run = await runJob(context.jobs.rebuild, context.lock, logger, observer);
    // The consumer journaled every record of this namespace's day (its first write found no record stored before).
    expect(run).toMatchObject({ outcome: 'success', summary: { source: 'journal' } });
    expect(run.summary?.restoredUsers).toBeGreaterThanOrEqual(1);
    const again = await checkIn(userId);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('already-checked-in');
    // The rebuilt claim is confirmed and knows the school: a check-out elsewhere is refused, one at home accepted.
    const otherSchool = ['school-2', 'school-3', 'school-4', 'school-5', 'school-6'].find((id) => schoolFingerprint(id) !== schoolFingerprint('school-1')) ?? 'school-2';
    const checkOut = (schoolId: string) => postJson(`${attendance.url}/attendances`, { type: 'checkout', userId, schoolId, timestamp: Date.now(), temperature: 36.6 });
    expect((await checkOut(otherSchool)).body.error).toBe('checked-in-elsewhere');
    expect((await checkOut('school-1')).status).toBe(202);
  });

  /** A stored record of today, between midnight and 00:10 UTC (the test's zone) so it is today whenever the test runs. */
  const stored = (userId: string, type: AttendanceType, at: Date, day = today): AttendanceDocument => ({
    _id: attendanceId(userId, day, type),
    userId,
    schoolId: 'school-1',
    day,
    type,
    recordId: randomId('r'),
    at,
    temperature: 36.6,
    receivedAt: at,
    source: `0:${randomId('o')}`,
    fever: false,
  });
  const minute = (at: Date) => at.getUTCHours() * 60 + at.getUTCMinutes();
  const valueOf = async (userId: string, day = today) => {
    const { key, field } = stateLocation(ns.redisPrefix, day, userId);
    return (await redis.hget(key, field)) ?? undefined;
  };
  const checkInAt = new Date(`${today}T00:05:00Z`);
  const checkOutAt = new Date(`${today}T00:07:00Z`);
  /** Records stored as the consumer stores a batch: the documents, and the batch in the journal, which covers today (as the consumer's first write in a new database says). */
  const storeAsConsumer = async (batch: { attendances: AttendanceDocument[]; journal: AttendanceDocument[]; firstOffset: number }) => {
    const start: StateJournalStartDocument = { _id: STATE_JOURNAL_START_ID, since: today, startedAt: new Date() };
    await mongo.db.collection<StateJournalStartDocument>(STATE_JOURNAL_COLLECTION).updateOne({ _id: STATE_JOURNAL_START_ID }, { $setOnInsert: start }, { upsert: true });
    if (batch.attendances.length > 0) await mongo.db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION).insertMany(batch.attendances);
    const lastOffset = batch.firstOffset + batch.journal.length - 1;
    await mongo.db.collection<StateJournalDocument>(STATE_JOURNAL_COLLECTION).insertMany(journalDocumentsOf({ partition: 0, firstOffset: batch.firstOffset, lastOffset }, batch.journal, new Date()));
  };

  it("restores a check-out onto its check-in from the journal, so the student's second check-out gets 409", async () => {
    const [inAndOut, onlyIn] = [randomId(), randomId()];
    const records = [stored(inAndOut, 'checkin', checkInAt), stored(inAndOut, 'checkout', checkOutAt), stored(onlyIn, 'checkin', checkInAt)];
    await storeAsConsumer({ attendances: records, journal: records, firstOffset: 900_000 });

    const run = await runJob(context.jobs.rebuild, context.lock, logger, observer);
    expect(run).toMatchObject({ outcome: 'success', summary: { source: 'journal' } });
    expect(await valueOf(inAndOut)).toBe(String(encodeConfirmedState({ checkInMinute: minute(checkInAt), checkOutMinute: minute(checkOutAt), schoolId: 'school-1' })));
    expect(await valueOf(onlyIn)).toBe(String(encodeConfirmedState({ checkInMinute: minute(checkInAt), schoolId: 'school-1' })));
    const again = await postJson(`${attendance.url}/attendances`, { type: 'checkout', userId: inAndOut, schoolId: 'school-1', timestamp: Date.now(), temperature: 36.6 });
    expect(again).toMatchObject({ status: 409, body: { error: 'already-checked-out' } });
  });

  it("reads the days of students a correction touched from attendances: a check-in the office withdrew is not restored, one it added is", async () => {
    const [withdrawn, added] = [randomId(), randomId()];
    // The journal still holds the withdrawn student's device check-in, attendances no longer do; the added one was never journaled.
    await storeAsConsumer({ attendances: [], journal: [stored(withdrawn, 'checkin', checkInAt)], firstOffset: 910_000 });
    await mongo.db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION).insertOne(stored(added, 'checkin', checkOutAt));
    const corrections = mongo.db.collection<Pick<CorrectionDocument, '_id' | 'userId' | 'day'>>(CORRECTIONS_COLLECTION);
    await corrections.insertMany([{ _id: randomId('c'), userId: withdrawn, day: today }, { _id: randomId('c'), userId: added, day: today }]);

    expect(await runJob(context.jobs.rebuild, context.lock, logger, observer)).toMatchObject({ outcome: 'success', summary: { source: 'journal' } });
    expect(await valueOf(withdrawn)).toBeUndefined();
    expect(await valueOf(added)).toBe(String(encodeConfirmedState({ checkInMinute: minute(checkOutAt), schoolId: 'school-1' })));
  });

  it('reads a day before the journal started from attendances', async () => {
    const yesterday = addDays(today, -1);
    const userId = randomId();
    const at = new Date(`${yesterday}T00:05:00Z`);
    await mongo.db.collection<AttendanceDocument>(ATTENDANCES_COLLECTION).insertOne(stored(userId, 'checkin', at, yesterday));
    const dayContext = await createJobContext(config(), logger, { rebuildDay: yesterday });
    try {
      const run = await runJob(dayContext.jobs.rebuild, dayContext.lock, logger, observer);
      expect(run).toMatchObject({ outcome: 'success', summary: { source: 'attendances', day: yesterday } });
      expect(await valueOf(userId, yesterday)).toBe(String(encodeConfirmedState({ checkInMinute: minute(at), schoolId: 'school-1' })));
    } finally {
      await dayContext.close();
    }
  });
});

describe('roster-sync', () => {
  it("copies the roster into Redis, where attendance-service flags check-ins of students not on their school's roster; a second sync replaces the first", async () => {
    const [pupil, leaver, elsewhere] = [randomId(), randomId(), randomId()];
    const students = mongo.db.collection<StudentDocument>(STUDENTS_COLLECTION);
    const createdAt = new Date();
    await students.insertMany([
      { _id: pupil, schoolId: 'school-5', name: 'Pupil', createdAt },
      { _id: leaver, schoolId: 'school-5', name: 'Leaver', createdAt },
      { _id: elsewhere, schoolId: 'school-6', name: 'Elsewhere', createdAt },
    ]);

    const first = await runJob(context.jobs['roster-sync'], context.lock, logger, observer);
    expect(first).toMatchObject({ outcome: 'success', summary: { items: 3, published: true } });
    const generation = Number(await redis.get(rosterCurrentKey(ns.redisPrefix)));
    const markOf = async (userId: string, at = generation) => {
      const { key, field } = rosterLocation(ns.redisPrefix, at, userId);
      return redis.hget(key, field);
    };
    expect(await markOf(pupil)).toBe(String(rosterSchoolMark('school-5')));
    expect(await markOf(elsewhere)).toBe(String(rosterSchoolMark('school-6')));

    const flagsFor = (userId: string) => mongo.db.collection<AnomalyDocument>(ANOMALIES_COLLECTION).find({ kind: 'not-on-roster', userId }).toArray();
    // attendance-service reads the new generation within seconds: a stranger's check-in is flagged once it has.
    await waitFor(
      async () => {
        const stranger = randomId();
        expect((await checkIn(stranger, 'school-5')).status).toBe(202);
        return waitFor(async () => (await flagsFor(stranger)).length === 1, { timeoutMs: 3_000, what: 'a flag' }).then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 20_000, what: 'attendance-service to use the synced roster' },
    );
    expect((await checkIn(elsewhere, 'school-5')).status).toBe(202);
    expect((await checkIn(pupil, 'school-5')).status).toBe(202);
    // A stranger after the pupil: its flag is looked up and stored no earlier than the pupil's would be.
    const sentinel = randomId();
    expect((await checkIn(sentinel, 'school-5')).status).toBe(202);
    await waitFor(async () => (await flagsFor(sentinel)).length === 1, { timeoutMs: 10_000, what: 'the flag of the stranger sent after the pupil' });
    expect(await flagsFor(elsewhere)).toEqual([expect.objectContaining({ kind: 'not-on-roster', schoolId: 'school-5', userId: elsewhere })]);
    expect(await flagsFor(pupil)).toEqual([]);

    await students.deleteOne({ _id: leaver });
    const second = await runJob(context.jobs['roster-sync'], context.lock, logger, observer);
    expect(second).toMatchObject({ outcome: 'success', summary: { items: 2, published: true } });
    expect(Number(await redis.get(rosterCurrentKey(ns.redisPrefix)))).toBe(generation + 1);
    expect(await markOf(leaver, generation + 1)).toBeNull();
    expect(await markOf(pupil, generation + 1)).toBe(String(rosterSchoolMark('school-5')));
    expect(await redis.keys(`${ns.redisPrefix}:roster:${generation}:*`)).toEqual([]);
  });
});
