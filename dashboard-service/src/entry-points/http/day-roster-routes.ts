import type { BearerAuth } from '@attendance/common/http';
import express, { type Router } from 'express';
import type { DayRosterReader } from '../../data-access/day-roster-reader.ts';
import { DAY_ROSTER_COLUMNS, dayRosterRows } from '../../domain/day-roster.ts';
import { assertMayReadSchool, type StaffCaller } from '../../domain/staff-access.ts';
import { parseInput } from './parse-input.ts';
import { dayQuery, schoolParams } from './request-schemas.ts';

export interface DayRosterDeps {
  reader: DayRosterReader;
  auth: BearerAuth<StaffCaller>;
  today: () => string;
  /** A string that changes whenever the school's figures for the day change (see {@link DayRosterReader.recordsOf}). */
  figuresVersion: (schoolId: string, day: string) => string;
}

/**
 * `GET /schools/:id/roster?day=`: the whole day's roster with each
 * student's status in one compact answer, for the office page
 * (`{ schoolId, day, columns, rows: [[userId, name, status, checkInAt, checkOutAt, fever], ...] }`).
 * A 10,000-student school is about 500 KB, read in one go so the page
 * filters and searches without a request per keystroke.
 */
export function dayRosterRoutes(deps: DayRosterDeps): Router {
  const router = express.Router();
  router.get('/schools/:id/roster', deps.auth.middleware, async (req, res) => {
    const { id } = parseInput(schoolParams, req.params, 'school id');
    const day = parseInput(dayQuery, req.query).day ?? deps.today();
    assertMayReadSchool(deps.auth.credentialOf(req), id);
    const [students, { records, excused }] = await Promise.all([deps.reader.studentsOf(id), deps.reader.recordsOf(id, day, deps.figuresVersion(id, day))]);
    res.json({ schoolId: id, day, columns: DAY_ROSTER_COLUMNS, rows: dayRosterRows(students, records, excused) });
  });
  return router;
}
