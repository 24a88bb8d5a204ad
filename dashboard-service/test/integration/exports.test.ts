import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import { addDays, dayOf } from '@attendance/common/records';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test/support/csv.ts';
import { getJson, postBatchesPerSchool, postJson, runAttendanceService, runDashboardService, type RunningService, stopServices } from '../../../test/support/services.ts';
import { testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const ns = testNamespace('exports');
let attendance: RunningService;
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
const today = dayOf(Date.now(), 'UTC');
const STUDENTS = 10_000;
const idOf = (i: number): string => `big-${String(i).padStart(5, '0')}`;
const trickyNote = 'fever, "high"\r\nand a cough';

const getText = async (path: string, token = dashboard.adminToken) => {
  const response = await fetch(`${dashboard.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, text: await response.text() };
};

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection('schools').insertOne({ _id: 'big', name: 'Big', createdAt: new Date() } as never);
  for (let start = 0; start < STUDENTS; start += 1000) {
    await mongo.db.collection('students').insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: idOf(start + i), schoolId: 'big', name: `Student, ${start + i}`, createdAt: new Date() })) as never[]);
  }
  attendance = await runAttendanceService(ns, {}, undefined, ['big']);
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200' });
  const checkIns = Array.from({ length: 300 }, (_, i) => ({ type: 'checkin', userId: idOf(i * 7), schoolId: 'big', timestamp: Date.now() - 60_000, temperature: 36.6 }));
  expect((await postBatchesPerSchool(attendance.url, checkIns)).accepted).toBe(300);
  expect((await postJson(`${dashboard.url}/schools/big/students/${idOf(1)}/days/${today}/corrections`, { action: 'excuse', reason: 'other', note: trickyNote }, { key: dashboard.adminToken })).status).toBe(202);
  await waitFor(async () => {
    const body = (await getJson(`${dashboard.url}/schools/big`)).body;
    return body.checkIns === 300 && body.excused === 1;
  }, { what: 'the records and the excuse to be stored', timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await stopServices({ dashboard, attendance, mongo });
});

describe('CSV exports', () => {
  it("streams one RFC 4180 row per student of a 10,000-student school's day, with a file name", async () => {
    const response = await getText(`/schools/big/attendances.csv?day=${today}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="big-attendances-${today}.csv"`);
    const [header, ...rows] = parseCsv(response.text);
    expect(header).toEqual(['userId', 'name', 'status', 'checkIn', 'checkOut', 'lateMinutes', 'excusedReason', 'excusedNote', 'temperature']);
    expect(rows).toHaveLength(STUDENTS);
    expect(new Set(rows.map((row) => row[0])).size).toBe(STUDENTS);
    const byId = new Map(rows.map((row) => [row[0], row]));
    expect(byId.get(idOf(7))).toEqual([idOf(7), 'Student, 7', 'present', expect.stringMatching(/^\d{4}-/), '', '0', '', '', '36.6']);
    expect(byId.get(idOf(1))).toEqual([idOf(1), 'Student, 1', 'excused', '', '', '0', 'other', trickyNote, '']);
    expect(byId.get(idOf(2))?.[2]).toBe('absent');
    expect(rows.filter((row) => row[2] === 'present')).toHaveLength(300);
  });

  it('exports the daily reports of a range, and refuses bad ranges and other schools', async () => {
    const yesterday = addDays(today, -1);
    const response = await getText(`/schools/big/reports.csv?from=${yesterday}&to=${today}`);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="big-reports-${yesterday}-${today}.csv"`);
    expect(parseCsv(response.text)).toEqual([
      ['day', 'checkIns', 'checkOuts', 'fevers', 'lates', 'excused'],
      [yesterday, '0', '0', '0', '0', '0'],
      [today, '300', '0', '0', '0', '1'],
    ]);
    expect((await getText(`/schools/big/reports.csv?from=${today}&to=${yesterday}`)).status).toBe(400);
    expect((await getText('/schools/big/attendances.csv?day=yesterday')).status).toBe(400);
    expect((await getText('/schools/nowhere/attendances.csv')).status).toBe(404);
  });
});
