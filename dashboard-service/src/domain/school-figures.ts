import { daysBetween } from '@attendance/common/records';
import type { OpenDayFigures } from '../data-access/open-day-figures.ts';
import type { ReportRepository } from '../data-access/report-repository.ts';
import type { RosterRepository } from '../data-access/roster-repository.ts';
import { dayFigures, type DayFigures, type SchoolToday, sumCounts, toTotals, withRoster } from './school-summary.ts';

/*
 * The read side of the dashboard: today's figures as the HTTP routes, the
 * SSE streams and the Prometheus gauges show them, all from the same figures
 * in memory (`OpenDayFigures`, the summed partition reports).
 */

/** The body of `GET /stats/today`, also each event of `/stats/stream`. */
export function statsToday(figures: OpenDayFigures) {
  const day = figures.today();
  return { day, ...dayFigures(sumCounts([...figures.bySchool(day).values()])) };
}

/** The body of `GET /schools/:id`, also each event of `/schools/:id/stream`. */
export async function schoolToday(figures: OpenDayFigures, roster: RosterRepository, schoolId: string, name: string): Promise<SchoolToday> {
  const day = figures.today();
  return { day, ...withRoster(toTotals(schoolId, name, figures.bySchool(day).get(schoolId)), await roster.sizeOf(schoolId)) };
}

/** Today's figures of each school that has records: the per-school and all-schools gauges. */
export function schoolsToday(figures: OpenDayFigures): [schoolId: string, figures: DayFigures][] {
  return [...figures.bySchool(figures.today())].map(([schoolId, counts]) => [schoolId, dayFigures(counts)]);
}

/**
 * A school's daily figures from `from` to `to` (inclusive): open days from
 * the live figures, closed ones from the school's closed reports (one
 * document per day). The body of `/schools/:id/reports` and `reports.csv`.
 */
export async function schoolSeries(figures: OpenDayFigures, reports: ReportRepository, schoolId: string, from: string, to: string) {
  const days = daysBetween(from, to);
  const closed = await reports.closedReportsOf(schoolId, days.filter((day) => !figures.isOpen(day)));
  return days.map((day) => {
    const counts = figures.isOpen(day) ? figures.bySchool(day).get(schoolId) : closed.get(day);
    return { day, checkIns: counts?.checkIns ?? 0, checkOuts: counts?.checkOuts ?? 0, fevers: counts?.fevers ?? 0, lates: counts?.lates ?? 0, excused: counts?.excused ?? 0 };
  });
}
