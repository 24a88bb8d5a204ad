import { once } from 'node:events';
import { AppError, type DayState, type StudentDocument } from '@attendance/common';
import express, { type Response, type Router } from 'express';
import { csvRecord } from '../../domain/csv.ts';
import { assertMayReadSchool } from '../../domain/staff-access.ts';
import type { DashboardDeps } from './dashboard-routes.ts';
import { statusOf } from '../../domain/student-day.ts';
import { schoolSeries } from './school-figures.ts';
import { parseInput } from './parse-input.ts';
import { dayQuery, rangeQuery, schoolParams, seriesRange } from './request-schemas.ts';

/** The read API's own dependencies. */
export type ExportDeps = DashboardDeps;

/** Students per page of an export: what the service holds in memory at once, whatever the roster's size. */
const PAGE = 1000;

function startCsv(res: Response, fileName: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.setHeader('Cache-Control', 'no-store');
}

/** Writes a chunk and waits while the client is slower than the store (what keeps memory constant). */
async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain');
}

export const attendanceCsvHeader = ['userId', 'name', 'status', 'checkIn', 'checkOut', 'lateMinutes', 'excusedReason', 'excusedNote', 'temperature'];

/**
 * CSV exports, streamed: the roster is read in pages of PAGE students (id
 * order) and each page's records and excuses by an id range, so memory stays
 * the same at 100 or 10,000 students; the answer is written page by page,
 * waiting for the client when it reads slower.
 */
export function exportRoutes(deps: ExportDeps): Router {
  const router = express.Router();
  const { auth } = deps;

  router.get('/schools/:id/attendances.csv', auth.middleware, async (req, res) => {
    const { id } = parseInput(schoolParams, req.params);
    assertMayReadSchool(auth.credentialOf(req), id);
    const day = parseInput(dayQuery, req.query).day ?? deps.figures.today();
    if (!(await deps.roster.school(id))) throw new AppError('school-not-found', `no school ${id}`, 404);
    const students = deps.roster.streamStudents(id, PAGE);
    startCsv(res, `${id}-attendances-${day}.csv`);
    try {
      await write(res, csvRecord(attendanceCsvHeader));
      let page: StudentDocument[] = [];
      const flush = async (): Promise<void> => {
        if (page.length > 0) await write(res, await pageRows(deps, id, day, page));
        page = [];
      };
      for await (const student of students) {
        page.push(student);
        if (page.length >= PAGE) await flush();
      }
      await flush();
      res.end();
    } catch (err) {
      // Headers are out: the only honest signal left is a cut connection (the client sees an incomplete file).
      res.destroy(err as Error);
    } finally {
      await students.close();
    }
  });

  router.get('/schools/:id/reports.csv', auth.middleware, async (req, res) => {
    const { id } = parseInput(schoolParams, req.params);
    assertMayReadSchool(auth.credentialOf(req), id);
    const { from, to } = seriesRange(parseInput(rangeQuery, req.query), deps.figures.today());
    const series = await schoolSeries(deps.figures, deps.reports, id, from, to);
    startCsv(res, `${id}-reports-${from}-${to}.csv`);
    res.end(csvRecord(['day', 'checkIns', 'checkOuts', 'fevers', 'lates', 'excused']) + series.map((row) => csvRecord([row.day, row.checkIns, row.checkOuts, row.fevers, row.lates, row.excused])).join(''));
  });

  return router;
}

/** One CSV row per student of the page, from the page's records and excuses (read by the page's id range). */
async function pageRows(deps: ExportDeps, schoolId: string, day: string, page: StudentDocument[]): Promise<string> {
  const from = page[0]?._id as string;
  const to = page.at(-1)?._id as string;
  const [records, excuses] = await Promise.all([deps.attendances.rangeOf(schoolId, day, from, to), deps.corrections.excusesInRange(schoolId, day, from, to)]);
  const days = new Map<string, DayState>();
  const dayOf = (userId: string): DayState => {
    let state = days.get(userId);
    if (!state) days.set(userId, (state = { checkIn: null, checkOut: null, excuse: null }));
    return state;
  };
  for (const record of records) dayOf(record.userId)[record.type === 'checkin' ? 'checkIn' : 'checkOut'] = record;
  for (const excuse of excuses) dayOf(excuse.userId).excuse = excuse;
  let text = '';
  for (const student of page) {
    const state = days.get(student._id) ?? { checkIn: null, checkOut: null, excuse: null };
    const temperature = state.checkIn?.temperature ?? state.checkOut?.temperature;
    text += csvRecord([student._id, student.name, statusOf(state), state.checkIn?.at, state.checkOut?.at, state.checkIn?.lateMinutes ?? 0, state.excuse?.reason, state.excuse?.note, temperature]);
  }
  return text;
}
