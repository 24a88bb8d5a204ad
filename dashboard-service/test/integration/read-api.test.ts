import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatchesPerSchool, runAttendanceService, runDashboardService, type RunningService, stopServices } from '../../../test/support/services.ts';
import { testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('readapi');
let attendance: RunningService;
let dashboard: RunningService;
let mongo: MongoConnection;
const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

// School "big": 12 students, 8 check in (2 with fever), 3 of them check out. School "small": 2 students, both come.
const roster = [
  ...Array.from({ length: 12 }, (_, i) => ({ _id: `big-${String(i).padStart(2, '0')}`, schoolId: 'big', name: `Big ${i}`, createdAt: new Date() })),
  ...Array.from({ length: 2 }, (_, i) => ({ _id: `small-${i}`, schoolId: 'small', name: `Small ${i}`, createdAt: new Date() })),
];

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection('schools').insertMany([
    { _id: 'big', name: 'Big School', createdAt: new Date() },
    { _id: 'small', name: 'Small School', createdAt: new Date() },
    { _id: 'empty', name: 'Empty School', createdAt: new Date() },
  ] as never[]);
  await mongo.db.collection('students').insertMany(roster as never[]);
  // A closed day, as the tasks job `close-reports` leaves it.
  await mongo.db.collection('reports').insertOne({ _id: `big|${daysAgo(10)}`, schoolId: 'big', day: daysAgo(10), checkIns: 11, checkOuts: 10, fevers: 1, closedAt: new Date() } as never);
  attendance = await runAttendanceService(ns, {}, undefined, ['big', 'small']);
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200' });
  const checkIns = [...roster.slice(0, 8), ...roster.slice(12)].map((student, i) => ({
    type: 'checkin',
    userId: student._id,
    schoolId: student.schoolId,
    timestamp: Date.now() - 60_000,
    temperature: i < 2 ? 38.1 : 36.6,
  }));
  const checkOuts = roster.slice(0, 3).map((student) => ({ type: 'checkout', userId: student._id, schoolId: 'big', timestamp: Date.now(), temperature: 36.6 }));
  const yesterdays = roster.slice(0, 5).map((student) => ({ type: 'checkin', userId: student._id, schoolId: 'big', timestamp: Date.now() - 86_400_000, temperature: 36.6 }));
  for (const records of [checkIns, checkOuts, yesterdays]) {
    expect((await postBatchesPerSchool(attendance.url, records)).accepted).toBe(records.length);
  }
  await waitFor(async () => (await getJson(`${dashboard.url}/stats/today`)).body.checkOuts === 3, { what: 'the records to be stored' });
});

afterAll(async () => {
  await stopServices({ dashboard, attendance, mongo });
});

describe('dashboard read API', () => {
  it("GET /stats/today gives today's totals across schools", async () => {
    expect((await getJson(`${dashboard.url}/stats/today`)).body).toEqual({ day: today, checkIns: 10, checkOuts: 3, fevers: 2, presentNow: 7, lates: 0, excused: 0 });
  });

  it('GET /schools lists every school with its totals, sorted and paged', async () => {
    const first = await getJson(`${dashboard.url}/schools?sort=presentNow&order=desc&limit=2`);
    expect(first.body).toMatchObject({ day: today, total: 3, page: 1, limit: 2 });
    expect(first.body.items).toEqual([
      { schoolId: 'big', name: 'Big School', checkIns: 8, checkOuts: 3, fevers: 2, presentNow: 5, lates: 0, excused: 0 },
      { schoolId: 'small', name: 'Small School', checkIns: 2, checkOuts: 0, fevers: 0, presentNow: 2, lates: 0, excused: 0 },
    ]);
    const second = await getJson(`${dashboard.url}/schools?sort=presentNow&order=desc&limit=2&page=2`);
    expect(second.body.items).toEqual([{ schoolId: 'empty', name: 'Empty School', checkIns: 0, checkOuts: 0, fevers: 0, presentNow: 0, lates: 0, excused: 0 }]);
    expect((await getJson(`${dashboard.url}/schools?sort=height`)).status).toBe(400);
  });

  it('GET /schools/:id and its daily series', async () => {
    expect((await getJson(`${dashboard.url}/schools/big`)).body).toEqual({ day: today, schoolId: 'big', name: 'Big School', checkIns: 8, checkOuts: 3, fevers: 2, presentNow: 5, lates: 0, excused: 0, absent: 4, rosterSize: 12 });
    expect((await getJson(`${dashboard.url}/schools/nowhere`)).status).toBe(404);
    // Past open days are read less often than today: wait for their next read.
    const series = await waitFor(
      async () => {
        const response = await getJson(`${dashboard.url}/schools/big/reports?from=${yesterday}&to=${today}`);
        return (response.body.series as { checkIns: number }[])[0]?.checkIns === 5 ? response : undefined;
      },
      { what: "yesterday's figures" },
    );
    expect(series.body.series).toEqual([
      { day: yesterday, checkIns: 5, checkOuts: 0, fevers: 0, lates: 0, excused: 0 },
      { day: today, checkIns: 8, checkOuts: 3, fevers: 2, lates: 0, excused: 0 },
    ]);
    expect((await getJson(`${dashboard.url}/schools/big/reports?from=${today}&to=${yesterday}`)).status).toBe(400);
  });

  it("reads closed days from the school's closed reports", async () => {
    const series = await getJson(`${dashboard.url}/schools/big/reports?from=${daysAgo(11)}&to=${daysAgo(9)}`);
    expect(series.body.series).toEqual([
      { day: daysAgo(11), checkIns: 0, checkOuts: 0, fevers: 0, lates: 0, excused: 0 },
      { day: daysAgo(10), checkIns: 11, checkOuts: 10, fevers: 1, lates: 0, excused: 0 },
      { day: daysAgo(9), checkIns: 0, checkOuts: 0, fevers: 0, lates: 0, excused: 0 },
    ]);
  });

  it('GET /schools/:id/attendances lists present, checked-out and roster-based absent students, with a cursor', async () => {
    const present = await getJson(`${dashboard.url}/schools/big/attendances?status=present`);
    expect((present.body.items as { userId: string }[]).map((item) => item.userId)).toEqual(['big-03', 'big-04', 'big-05', 'big-06', 'big-07']);
    const out = await getJson(`${dashboard.url}/schools/big/attendances?status=checked-out`);
    expect((out.body.items as { userId: string }[]).map((item) => item.userId)).toEqual(['big-00', 'big-01', 'big-02']);
    const absentPage1 = await getJson(`${dashboard.url}/schools/big/attendances?status=absent&limit=3`);
    expect((absentPage1.body.items as { userId: string }[]).map((item) => item.userId)).toEqual(['big-08', 'big-09', 'big-10']);
    expect(absentPage1.body.nextCursor).toBe('big-10');
    const absentPage2 = await getJson(`${dashboard.url}/schools/big/attendances?status=absent&limit=3&cursor=big-10`);
    expect(absentPage2.body.items).toEqual([{ userId: 'big-11', name: 'Big 11', checkIn: null, checkOut: null, fever: false, lateMinutes: 0, excused: null }]);
    expect(absentPage2.body.nextCursor).toBeNull();
    const yesterdayAbsent = await getJson(`${dashboard.url}/schools/big/attendances?status=absent&day=${yesterday}&limit=100`);
    expect((yesterdayAbsent.body.items as unknown[]).length).toBe(7);
  });

  it('serves the figures from memory and says how old they are', async () => {
    const response = await getJson(`${dashboard.url}/stats/today`);
    expect(Number(response.headers.get('x-figures-age'))).toBeGreaterThanOrEqual(0);
    expect(Number(response.headers.get('x-figures-age'))).toBeLessThan(60_000);
  });
});
