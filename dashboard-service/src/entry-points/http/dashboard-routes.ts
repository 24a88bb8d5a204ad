import { AppError, addDays, dayOf, describeIssues, entityId } from '@attendance/common';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AttendanceDocument } from '../../domain/attendance-document.ts';
import { mergeSchoolTotals, sortKeys, sortSchoolTotals, sumCounts, toTotals, type Counts } from '../../domain/school-summary.ts';
import type { AttendanceRepository } from '../../data-access/attendance-repository.ts';
import type { ReportRepository } from '../../data-access/report-repository.ts';
import type { ResponseCache } from '../../data-access/response-cache.ts';
import type { RosterRepository } from '../../data-access/roster-repository.ts';

export interface DashboardDeps {
  attendances: AttendanceRepository;
  reports: ReportRepository;
  roster: RosterRepository;
  cache: ResponseCache;
  timeZone: string;
  now: () => number;
}

const MAX_SERIES_DAYS = 366;

const limit = z.coerce.number().int().min(1).max(1000).default(50);

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('validation-failed', 'invalid query parameters', 400, { details: describeIssues(parsed.error) });
  return parsed.data;
}

const schoolsQuery = z.strictObject({
  sort: z.enum(sortKeys).default('checkIns'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit,
  page: z.coerce.number().int().min(1).default(1),
});

const reportsQuery = z
  .strictObject({ from: z.iso.date().optional(), to: z.iso.date().optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, 'from must not be after to');

const attendancesQuery = z.strictObject({
  day: z.iso.date().optional(),
  status: z.enum(['present', 'absent', 'checked-out']).default('present'),
  limit,
  cursor: entityId.optional(),
});

const schoolParams = z.object({ id: entityId });

function countsByDay(rows: (Counts & { day: string })[]): Map<string, Counts> {
  return new Map(rows.map((row) => [row.day, row]));
}

/**
 * The dashboard's read API. Responses for "today" are cached for a few
 * seconds; every list is paginated (`limit`, and `page` or `cursor`).
 */
export function dashboardRoutes(deps: DashboardDeps): Router {
  const router = express.Router();
  const today = (): string => dayOf(deps.now(), deps.timeZone);

  async function todayBySchool(): Promise<Map<string, Counts>> {
    const rows = await deps.reports.dailyTotals({ from: today(), to: today() });
    return new Map(rows.map((row) => [row.schoolId, row]));
  }

  router.get('/schools', async (req, res) => {
    const query = parse(schoolsQuery, req.query);
    const day = today();
    const { value: rows, hit } = await deps.cache.getOrLoad(`schools:${day}`, async () => mergeSchoolTotals(await deps.roster.allSchools(), await todayBySchool()));
    const sorted = sortSchoolTotals(rows, query.sort, query.order);
    const start = (query.page - 1) * query.limit;
    res.setHeader('X-Cache', hit ? 'hit' : 'miss');
    res.json({ day, total: sorted.length, page: query.page, limit: query.limit, items: sorted.slice(start, start + query.limit) });
  });

  router.get('/stats/today', async (_req, res) => {
    const day = today();
    const { value, hit } = await deps.cache.getOrLoad(`stats:${day}`, async () => {
      const counts = sumCounts([...(await todayBySchool()).values()]);
      return { day, ...counts, presentNow: Math.max(0, counts.checkIns - counts.checkOuts) };
    });
    res.setHeader('X-Cache', hit ? 'hit' : 'miss');
    res.json(value);
  });

  router.get('/schools/:id', async (req, res) => {
    const { id } = parse(schoolParams, req.params);
    const day = today();
    const school = await deps.roster.school(id);
    const rows = await deps.reports.dailyTotals({ schoolId: id, from: day, to: day });
    if (!school && rows.length === 0) throw new AppError('school-not-found', `no school ${id}`, 404);
    res.json({ day, ...toTotals(id, school?.name ?? id, rows[0]) });
  });

  router.get('/schools/:id/reports', async (req, res) => {
    const { id } = parse(schoolParams, req.params);
    const query = parse(reportsQuery, req.query);
    const to = query.to ?? today();
    const from = query.from ?? addDays(to, -6);
    if (addDays(from, MAX_SERIES_DAYS) <= to) throw new AppError('validation-failed', `at most ${MAX_SERIES_DAYS} days per request`, 400);
    const byDay = countsByDay(await deps.reports.dailyTotals({ schoolId: id, from, to }));
    const series = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const counts = byDay.get(day);
      series.push({ day, checkIns: counts?.checkIns ?? 0, checkOuts: counts?.checkOuts ?? 0, fevers: counts?.fevers ?? 0 });
    }
    res.json({ schoolId: id, from, to, series });
  });

  router.get('/schools/:id/attendances', async (req, res) => {
    const { id } = parse(schoolParams, req.params);
    const query = parse(attendancesQuery, req.query);
    const day = query.day ?? today();
    if (query.status === 'absent') {
      const present = new Set(await deps.attendances.userIdsOf(id, day));
      const items: { userId: string; name: string }[] = [];
      let after = query.cursor;
      // Page through the roster, skipping students who came, until the page is full.
      while (items.length < query.limit) {
        const students = await deps.roster.studentsAfter(id, after, Math.max(query.limit * 2, 100));
        for (const student of students) {
          if (!present.has(student._id) && items.length < query.limit) items.push({ userId: student._id, name: student.name });
        }
        if (students.length === 0) break;
        after = students.at(-1)?._id;
        if (items.length >= query.limit) after = items.at(-1)?.userId;
      }
      const nextCursor = items.length === query.limit ? items.at(-1)?.userId : undefined;
      res.json({ schoolId: id, day, status: query.status, items, nextCursor: nextCursor ?? null });
      return;
    }
    const documents = await deps.attendances.listOf(id, day, query.status, query.cursor, query.limit);
    const items = documents.map((document: AttendanceDocument) => ({
      userId: document.userId,
      checkIn: document.checkIn ? { at: document.checkIn.at, temperature: document.checkIn.temperature } : null,
      checkOut: document.checkOut ? { at: document.checkOut.at, temperature: document.checkOut.temperature } : null,
      fever: document.feverSource !== undefined,
    }));
    const nextCursor = items.length === query.limit ? items.at(-1)?.userId : undefined;
    res.json({ schoolId: id, day, status: query.status, items, nextCursor: nextCursor ?? null });
  });

  return router;
}
