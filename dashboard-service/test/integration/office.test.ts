import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { addDays, dayOf } from '@attendance/common/records';
import { countsFromAttendances, countsFromReports } from '@attendance/common/report-audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionStaffToken } from '../../../test/support/credentials.ts';
import { produceRaw, tapTopic, type TopicTap } from '../../../test/support/kafka-topic.ts';
import { getJson, postJson, runAttendanceService, runDashboardService, type RunningService, stopServices } from '../../../test/support/services.ts';
import { testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('office');
let attendance: RunningService;
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
let tap: TopicTap;
let officeToken: string;
const today = dayOf(Date.now(), 'UTC');
const yesterday = addDays(today, -1);
const students = Array.from({ length: 10 }, (_, i) => `north-${String(i).padStart(2, '0')}`);

interface SchoolBody {
  checkIns: number;
  checkOuts: number;
  lates: number;
  excused: number;
  absent: number;
  rosterSize: number;
}

const school = async (): Promise<SchoolBody> => (await getJson(`${dashboard.url}/schools/north`)).body as unknown as SchoolBody;
const correct = (userId: string, body: unknown, options: { day?: string; token?: string } = {}) =>
  postJson(`${dashboard.url}/schools/north/students/${userId}/days/${options.day ?? today}/corrections`, body, { key: options.token ?? dashboard.adminToken });
const studentDay = async (userId: string, day = today) => (await getJson(`${dashboard.url}/schools/north/students/${userId}/days/${day}`)).body;
/** Checked in and still there: `late` today, since North starts at 09:00 and the suite may run at any hour. */
const isIn = (status: unknown): boolean => status === 'present' || status === 'late';

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  // North starts at 09:00 (UTC): yesterday's check-ins at 09:30 are 30 minutes late.
  await mongo.db.collection('schools').insertOne({ _id: 'north', name: 'North', startTime: '09:00', createdAt: new Date() } as never);
  await mongo.db.collection('students').insertMany(students.map((_id, i) => ({ _id, schoolId: 'north', name: `Student ${i}`, createdAt: new Date() })) as never[]);
  officeToken = (await provisionStaffToken(ns, 'school', 'north')).token;
  attendance = await runAttendanceService(ns, {}, undefined, ['north']);
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200' });
  tap = await tapTopic(ns.topic);
});

afterAll(async () => {
  await tap?.stop();
  await stopServices({ dashboard, attendance, mongo });
});

const checkIn = (userId: string, timestamp: number | string = Date.now()) => postJson(`${attendance.url}/attendances`, { type: 'checkin', userId, schoolId: 'north', timestamp, temperature: 36.6 });

async function expectReportsExact(): Promise<void> {
  const scope = { schoolIds: ['north'], days: [yesterday, today] };
  expect(await countsFromReports(mongo.db, scope)).toEqual(await countsFromAttendances(mongo.db, scope));
}

describe('late arrivals', () => {
  it('counts a check-in after the school start time late, with its minutes, in reports, lists and the student day', async () => {
    expect((await checkIn(students[0] as string, `${yesterday}T09:30:00Z`)).status).toBe(202);
    expect((await checkIn(students[1] as string, `${yesterday}T08:55:00Z`)).status).toBe(202);
    const series = await waitFor(
      async () => {
        const body = (await getJson(`${dashboard.url}/schools/north/reports?from=${yesterday}&to=${yesterday}`)).body as { series: { checkIns: number; lates: number }[] };
        return body.series[0]?.checkIns === 2 ? body.series[0] : undefined;
      },
      { what: "yesterday's check-ins in the series" },
    );
    expect(series.lates).toBe(1);
    const late = await getJson(`${dashboard.url}/schools/north/attendances?status=late&day=${yesterday}`);
    expect(late.body.items).toEqual([expect.objectContaining({ userId: students[0], name: 'Student 0', lateMinutes: 30 })]);
    expect(await studentDay(students[0] as string, yesterday)).toMatchObject({ status: 'late', checkIn: { lateMinutes: 30, source: 'device' } });
    expect(await studentDay(students[1] as string, yesterday)).toMatchObject({ status: 'present', checkIn: { lateMinutes: 0 } });
    await expectReportsExact();
  });
});

describe('excused absences', () => {
  it('takes an excused student out of the absent list and into `excused`, and undoes it', async () => {
    const before = await school();
    expect(before).toMatchObject({ rosterSize: 10, excused: 0, absent: 10 - before.checkIns });
    const excused = await correct(students[5] as string, { action: 'excuse', reason: 'sick', note: 'flu, "high" fever' }, { token: officeToken });
    expect(excused.status).toBe(202);
    expect(excused.body).toEqual({ id: expect.any(String), status: 'accepted' });
    const after = await waitFor(async () => ((await school()).excused === 1 ? school() : undefined), { what: 'the excuse to be counted' });
    expect(after.absent).toBe(before.absent - 1);
    const absent = (await getJson(`${dashboard.url}/schools/north/attendances?status=absent&limit=100`)).body.items as { userId: string }[];
    expect(absent.map((item) => item.userId)).not.toContain(students[5]);
    const list = (await getJson(`${dashboard.url}/schools/north/attendances?status=excused`)).body.items;
    expect(list).toEqual([expect.objectContaining({ userId: students[5], name: 'Student 5', excused: { reason: 'sick', note: 'flu, "high" fever' } })]);
    expect(await studentDay(students[5] as string)).toMatchObject({ status: 'excused', excused: { reason: 'sick', note: 'flu, "high" fever', by: { role: 'school' } } });

    // Another staff member may not undo it; its author may.
    expect((await correct(students[5] as string, { action: 'undo', correctionId: excused.body.id }, { token: dashboard.adminToken })).body.error).toBe('not-author');
    expect((await correct(students[5] as string, { action: 'undo', correctionId: excused.body.id }, { token: officeToken })).status).toBe(202);
    await waitFor(async () => (await school()).excused === 0, { what: 'the undo to be counted' });
    const history = (await studentDay(students[5] as string)).history as { kind: string; action: string; undone?: boolean }[];
    expect(history.map((entry) => [entry.kind, entry.action, entry.undone ?? false])).toEqual([
      ['correction', 'excuse', true],
      ['correction', 'undo', false],
    ]);
    await expectReportsExact();
  });

  it('refuses what the day does not allow, unknown students and bad bodies, with stable codes', async () => {
    const here = students[6] as string;
    expect((await checkIn(here)).status).toBe(202);
    await waitFor(async () => isIn((await studentDay(here)).status), { what: 'the check-in to be stored' });
    expect(await correct(here, { action: 'excuse', reason: 'sick' })).toMatchObject({ status: 409, body: { error: 'already-present' } });
    expect(await correct(students[7] as string, { action: 'checkout', at: new Date().toISOString() })).toMatchObject({ status: 409, body: { error: 'not-checked-in' } });
    expect(await correct('nobody', { action: 'excuse', reason: 'sick' })).toMatchObject({ status: 404, body: { error: 'student-not-found' } });
    expect(await correct(here, { action: 'excuse', reason: 'bored' })).toMatchObject({ status: 400, body: { error: 'validation-failed' } });
    expect(await correct(here, { action: 'excuse', reason: 'sick', note: 'x'.repeat(501) })).toMatchObject({ status: 400, body: { error: 'validation-failed' } });
    expect(await correct(here, { action: 'checkin', at: `${yesterday}T08:00:00Z` })).toMatchObject({ status: 400, body: { error: 'validation-failed' } });
    expect((await correct(here, { action: 'undo', correctionId: 'cor-unknown' })).status).toBe(404);
    const elsewhere = await postJson(`${dashboard.url}/schools/south/students/${here}/days/${today}/corrections`, { action: 'excuse', reason: 'sick' }, { key: officeToken });
    expect(elsewhere).toMatchObject({ status: 403, body: { error: 'wrong-school' } });
  });
});

describe('a check-in added by staff', () => {
  it('is counted once even when its event is delivered twice, lets the device check-out through, and shows in the history', async () => {
    const userId = students[8] as string;
    const at = new Date(Date.now() - 120_000).toISOString();
    const added = await correct(userId, { action: 'checkin', at, temperature: 36.9 }, { token: officeToken });
    expect(added.status).toBe(202);
    const published = await waitFor(async () => (await tap.messages()).find((message) => (message.value as { id?: string }).id === added.body.id), { what: 'the correction on the topic' });
    // The same event again, as a redelivery or a duplicate publish would bring it.
    await produceRaw(ns.topic, [{ key: userId, value: JSON.stringify(published.value) }]);
    // The device's check-out, accepted thanks to the claim state the correction set, comes after both copies in the user's partition.
    const checkOut = await postJson(`${attendance.url}/attendances`, { type: 'checkout', userId, schoolId: 'north', timestamp: Date.now(), temperature: 36.5 });
    expect(checkOut.status).toBe(202);
    // And a device check-in now is the duplicate of the stored staff record.
    expect((await checkIn(userId)).body.error).toBe('already-checked-in');
    const day = await waitFor(async () => {
      const body = await studentDay(userId);
      return body.status === 'checked-out' ? body : undefined;
    }, { what: 'the check-out to be stored' });
    expect(await mongo.db.collection('attendances').countDocuments({ userId, day: today, type: 'checkin' })).toBe(1);
    expect(day).toMatchObject({ checkIn: { at, temperature: 36.9, source: 'correction' }, checkOut: { source: 'device' } });
    const history = day.history as { id: string; kind: string; action: string; by: unknown; before: unknown; after: unknown }[];
    expect(history).toEqual([
      expect.objectContaining({ id: added.body.id, kind: 'correction', action: 'checkin', by: { role: 'school', id: expect.any(String) }, before: { checkIn: null }, after: { checkIn: { at, temperature: 36.9, lateMinutes: expect.any(Number) } } }),
      expect.objectContaining({ kind: 'device', action: 'checkout', by: null }),
    ]);
    await expectReportsExact();
  });

  it('corrects the time of a device check-in, keeping what the device sent in the history', async () => {
    const userId = students[9] as string;
    const deviceAt = Date.now() - 60_000;
    expect((await checkIn(userId, deviceAt)).status).toBe(202);
    await waitFor(async () => isIn((await studentDay(userId)).status), { what: 'the device check-in' });
    const fixedAt = new Date(deviceAt - 30 * 60_000 > Date.parse(`${today}T00:00:00Z`) ? deviceAt - 30 * 60_000 : deviceAt).toISOString();
    expect((await correct(userId, { action: 'checkin', at: fixedAt })).status).toBe(202);
    // The consumer inserts the correction (its history entry) before it rewrites the slot: wait for both.
    const day = await waitFor(async () => {
      const body = await studentDay(userId);
      return (body.history as unknown[]).length === 2 && (body.checkIn as { source?: string } | null)?.source === 'correction' ? body : undefined;
    }, { what: 'the correction in the history and in the check-in' });
    expect(day.checkIn).toMatchObject({ at: fixedAt, source: 'correction' });
    expect(day.history).toEqual([
      expect.objectContaining({ kind: 'device', action: 'checkin', at: new Date(deviceAt).toISOString(), by: null }),
      expect.objectContaining({ kind: 'correction', action: 'checkin', before: { checkIn: expect.objectContaining({ at: new Date(deviceAt).toISOString() }) }, after: { checkIn: expect.objectContaining({ at: fixedAt }) } }),
    ]);
    await expectReportsExact();
  });

  it('undoing an added check-out lets the device check out again', async () => {
    const userId = students[3] as string;
    expect((await checkIn(userId, Date.now() - 300_000)).status).toBe(202);
    await waitFor(async () => isIn((await studentDay(userId)).status), { what: 'the device check-in' });
    const checkOut = () => postJson(`${attendance.url}/attendances`, { type: 'checkout', userId, schoolId: 'north', timestamp: Date.now(), temperature: 36.5 });
    const added = await correct(userId, { action: 'checkout', at: new Date(Date.now() - 60_000).toISOString() }, { token: officeToken });
    expect(added.status).toBe(202);
    expect((await checkOut()).body.error).toBe('already-checked-out');
    await waitFor(async () => (await studentDay(userId)).status === 'checked-out', { what: 'the added check-out' });
    expect((await correct(userId, { action: 'undo', correctionId: added.body.id }, { token: officeToken })).status).toBe(202);
    await waitFor(async () => isIn((await studentDay(userId)).status), { what: 'the undo' });
    expect((await checkOut()).status).toBe(202);
    await waitFor(async () => ((await studentDay(userId)).checkOut as { source?: string } | null)?.source === 'device', { what: "the device's check-out" });
    await expectReportsExact();
  });
});
