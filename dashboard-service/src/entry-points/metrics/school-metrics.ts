import { Gauge, type Registry } from 'prom-client';
import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';
import { schoolsToday } from '../../domain/school-figures.ts';
import type { DayFigures } from '../../domain/school-summary.ts';

/**
 * Today's figures as gauges, from the figures the read API serves (read in
 * the background), so a scrape never waits on the store. Per-school series
 * are labelled by school id only: one series per school and figure (6,000 at
 * 1,000 schools), bounded by the schools that have records, never by users.
 */
export function registerSchoolMetrics(registry: Registry, figures: OpenDayFigures): void {
  const todayRows = () => schoolsToday(figures);
  const metrics: [name: string, help: string, figure: keyof DayFigures][] = [
    ['checkins', 'Check-ins today', 'checkIns'],
    ['checkouts', 'Check-outs today', 'checkOuts'],
    ['fevers', 'Students with a reading at or above 38.0 °C today', 'fevers'],
    ['present', 'Checked in and not yet out', 'presentNow'],
    ['lates', 'Check-ins after the school start time today', 'lates'],
    ['excused', 'Absences excused by the office today', 'excused'],
  ];
  for (const [name, help, figure] of metrics) {
    new Gauge({
      name: `dashboard_today_${name}`,
      help: `${help}, all schools`,
      registers: [registry],
      collect() {
        this.set(todayRows().reduce((sum, [, row]) => sum + row[figure], 0));
      },
    });
    new Gauge({
      name: `dashboard_school_today_${name}`,
      help: `${help}, per school`,
      labelNames: ['school'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [school, row] of todayRows()) this.set({ school }, row[figure]);
      },
    });
  }
  new Gauge({
    name: 'dashboard_figures_age_seconds',
    help: "How old today's figures are (read from the store in the background)",
    registers: [registry],
    collect() {
      const age = figures.ageMs();
      this.set(Number.isFinite(age) ? age / 1000 : -1);
    },
  });
}
