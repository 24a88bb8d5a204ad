import { addDays } from '@attendance/common/records';
import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';
import type { ReportRepository } from '../../data-access/report-repository.ts';
import type { RosterRepository } from '../../data-access/roster-repository.ts';
import { sumCounts, toTotals, withRoster } from '../../domain/school-summary.ts';

/** The body of `GET /stats/today`, also each event of `/stats/stream`. */
export function statsToday(figures: OpenDayFigures) {
  const day = figures.today();
  const counts = sumCounts([...figures.bySchool(day).values()]);
  return { day, checkIns: counts.checkIns, checkOuts: counts.checkOuts, fevers: counts.fevers, presentNow: Math.max(0, counts.checkIns - counts.checkOuts), lates: counts.lates, excused: counts.excused };
}

/** The body of `GET /schools/:id`, also each event of `/schools/:id/stream`. */
export async function schoolToday(figures: OpenDayFigures, roster: RosterRepository, schoolId: string, name: string) {
  const day = figures.today();
  return { day, ...withRoster(toTotals(schoolId, name, figures.bySchool(day).get(schoolId)), await roster.sizeOf(schoolId)) };
}

/**
 * A school's daily figures from `from` to `to` (inclusive): open days from
 * the live figures, closed ones from the school's closed reports (one
 * document per day). The body of `/schools/:id/reports` and `reports.csv`.
 */
export async function schoolSeries(figures: OpenDayFigures, reports: ReportRepository, schoolId: string, from: string, to: string) {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  const closed = await reports.closedReportsOf(schoolId, days.filter((day) => !figures.isOpen(day)));
  return days.map((day) => {
    const counts = figures.isOpen(day) ? figures.bySchool(day).get(schoolId) : closed.get(day);
    return { day, checkIns: counts?.checkIns ?? 0, checkOuts: counts?.checkOuts ?? 0, fevers: counts?.fevers ?? 0, lates: counts?.lates ?? 0, excused: counts?.excused ?? 0 };
  });
}
