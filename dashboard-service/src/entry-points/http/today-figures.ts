import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';
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
