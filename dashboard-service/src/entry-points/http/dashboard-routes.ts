import { AppError } from '@attendance/common';
import type { BearerAuth } from '@attendance/common/http';
import type { ExcuseDocument } from '@attendance/common/records';
import express, { type Router } from 'express';
import { mergeSchoolTotals, sortSchoolTotals } from '../../domain/school-summary.ts';
import { schoolSeries, schoolToday, statsToday } from '../../domain/school-figures.ts';
import { absentStudentsPage } from '../../data-access/absent-students.ts';
import type { AttendanceRepository, StudentDay } from '../../data-access/attendance-repository.ts';
import type { CorrectionRepository } from '../../data-access/correction-repository.ts';
import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';
import type { ReportRepository } from '../../data-access/report-repository.ts';
import type { RosterRepository } from '../../data-access/roster-repository.ts';
import { assertAdmin, assertMayReadSchool, visibleSchool, type StaffCaller } from '../../domain/staff-access.ts';
import { parseInput } from './parse-input.ts';
import { attendancesQuery, rangeQuery, schoolParams, schoolsQuery, seriesRange } from './request-schemas.ts';

export interface DashboardDeps {
  attendances: AttendanceRepository;
  corrections: CorrectionRepository;
  reports: ReportRepository;
  roster: RosterRepository;
  figures: OpenDayFigures;
  /** Staff tokens: every route needs one; `school` tokens see their school only. */
  auth: BearerAuth<StaffCaller>;
}

function listItem({ userId, checkIn, checkOut }: StudentDay, names: Map<string, { name: string }>, excuses: Map<string, ExcuseDocument>) {
  const excuse = excuses.get(userId);
  return {
    userId,
    ...(names.has(userId) ? { name: names.get(userId)?.name } : {}),
    checkIn: checkIn ? { at: checkIn.at, temperature: checkIn.temperature ?? null } : null,
    checkOut: checkOut ? { at: checkOut.at, temperature: checkOut.temperature ?? null } : null,
    fever: Boolean(checkIn?.fever || checkOut?.fever),
    lateMinutes: checkIn?.lateMinutes ?? 0,
    excused: excuse ? { reason: excuse.reason, note: excuse.note ?? null } : null,
  };
}

/**
 * The dashboard's read API. Today's (and the other open days') figures come
 * from memory, read in the background (`OpenDayFigures`), so no request waits
 * on the store for them; every list is paginated (`limit`, and `page` or `cursor`).
 * The `X-Figures-Age` header says how old the figures are, in milliseconds.
 */
export function dashboardRoutes(deps: DashboardDeps): Router {
  const router = express.Router();
  const { figures, auth } = deps;
  const today = (): string => figures.today();
  router.use(auth.middleware);

  router.get('/schools', async (req, res) => {
    const query = parseInput(schoolsQuery, req.query);
    const day = today();
    // A school token lists its own school only (the list's shape stays the same).
    const visible = visibleSchool(auth.credentialOf(req));
    const rows = mergeSchoolTotals(await deps.roster.allSchools(), figures.bySchool(day)).filter((row) => visible(row.schoolId));
    const sorted = sortSchoolTotals(rows, query.sort, query.order);
    const start = (query.page - 1) * query.limit;
    res.setHeader('X-Figures-Age', String(figures.ageMs()));
    res.json({ day, total: sorted.length, page: query.page, limit: query.limit, items: sorted.slice(start, start + query.limit) });
  });

  router.get('/stats/today', (req, res) => {
    assertAdmin(auth.credentialOf(req));
    res.setHeader('X-Figures-Age', String(figures.ageMs()));
    res.json(statsToday(figures));
  });

  router.get('/schools/:id', async (req, res) => {
    const { id } = parseInput(schoolParams, req.params);
    assertMayReadSchool(auth.credentialOf(req), id);
    const school = await deps.roster.school(id);
    if (!school && !figures.bySchool(today()).has(id)) throw new AppError('school-not-found', `no school ${id}`, 404);
    res.setHeader('X-Figures-Age', String(figures.ageMs()));
    res.json(await schoolToday(figures, deps.roster, id, school?.name ?? id));
  });

  router.get('/schools/:id/reports', async (req, res) => {
    const { id } = parseInput(schoolParams, req.params);
    assertMayReadSchool(auth.credentialOf(req), id);
    const { from, to } = seriesRange(parseInput(rangeQuery, req.query), today());
    const series = await schoolSeries(figures, deps.reports, id, from, to);
    res.json({ schoolId: id, from, to, series });
  });

  router.get('/schools/:id/attendances', async (req, res) => {
    const { id } = parseInput(schoolParams, req.params);
    assertMayReadSchool(auth.credentialOf(req), id);
    const query = parseInput(attendancesQuery, req.query);
    const day = query.day ?? today();
    if (query.status === 'absent') {
      const { students, nextCursor } = await absentStudentsPage(deps, id, day, query.cursor, query.limit);
      const items = students.map((student) => listItem({ userId: student._id }, new Map([[student._id, student]]), new Map()));
      res.json({ schoolId: id, day, status: query.status, items, nextCursor: nextCursor ?? null });
      return;
    }
    let days: StudentDay[];
    if (query.status === 'excused') days = (await deps.corrections.excusesOf(id, day, query.cursor, query.limit)).map((excuse) => ({ userId: excuse.userId }));
    else if (query.status === 'late') days = await deps.attendances.lateOf(id, day, query.cursor, query.limit);
    else days = await deps.attendances.listOf(id, day, query.status === 'checked-out' ? 'checked-out' : 'present', query.cursor, query.limit);
    const userIds = days.map((item) => item.userId);
    const [names, excuses] = await Promise.all([deps.roster.studentsByIds(userIds), deps.corrections.excusesByUser(userIds, day)]);
    const items = days.map((item) => listItem(item, names, excuses));
    const nextCursor = items.length === query.limit ? items.at(-1)?.userId : undefined;
    res.json({ schoolId: id, day, status: query.status, items, nextCursor: nextCursor ?? null });
  });

  return router;
}
