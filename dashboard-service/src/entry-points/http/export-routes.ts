import { once } from 'node:events';
import { AppError } from '@attendance/common';
import type { StudentDocument } from '@attendance/common/mongo';
import type { DayState } from '@attendance/common/records';
import express, { type Response, type Router } from 'express';
import { csvRecord } from '../../domain/csv.ts';
import { assertMayReadSchool } from '../../domain/staff-access.ts';
import type { DashboardDeps } from './dashboard-routes.ts';
import { statusOf } from '../../domain/student-day.ts';
import { studentDays } from '../../domain/student-days.ts';
import { schoolSeries } from '../../domain/school-figures.ts';
import { parseInput } from './parse-input.ts';
import { dayQuery, rangeQuery, schoolParams, seriesRange } from './request-schemas.ts';

/** The read API's own dependencies. */
export type ExportDeps = DashboardDeps;

/** Documents per batch of each export cursor, and rows per write: what the service holds at once, whatever the roster's size. */
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
 * CSV exports, streamed: three cursors in user id order, the roster, the
 * school's records of the day and its excuses, are walked side by side
 * (`studentDays`; one query each, read in batches of PAGE), so the service
 * holds a batch per cursor whatever the roster's size; the answer is written
 * every PAGE rows, waiting for the client when it reads slower. (The store
 * sorts the school's records of one day: at most two per student.)
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
    const records = deps.attendances.streamDay(id, day, PAGE);
    const excuses = deps.corrections.streamExcuses(id, day, PAGE);
    startCsv(res, `${id}-attendances-${day}.csv`);
    try {
      let text = csvRecord(attendanceCsvHeader);
      let rows = 0;
      for await (const { student, state } of studentDays(students, records, excuses)) {
        text += rowOf(student, state);
        if (++rows % PAGE === 0) {
          await write(res, text);
          text = '';
        }
      }
      await write(res, text);
      res.end();
    } catch (err) {
      // Headers are out: the only honest signal left is a cut connection (the client sees an incomplete file).
      res.destroy(err as Error);
    } finally {
      await Promise.allSettled([students.close(), records.close(), excuses.close()]);
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

function rowOf(student: StudentDocument, state: DayState): string {
  const temperature = state.checkIn?.temperature ?? state.checkOut?.temperature;
  return csvRecord([student._id, student.name, statusOf(state), state.checkIn?.at, state.checkOut?.at, state.checkIn?.lateMinutes ?? 0, state.excuse?.reason, state.excuse?.note, temperature]);
}
