import { Gauge, type Registry } from 'prom-client';
import type { OpenDayFigures } from '../../data-access/open-day-figures.ts';

/**
 * Today's figures as gauges, from the figures the read API serves (read in
 * the background), so a scrape never waits on the store. Per-school series
 * are labelled by school id only: one series per school and figure (6,000 at
 * 1,000 schools), bounded by the schools that have records, never by users.
 */
export function registerSchoolMetrics(registry: Registry, figures: OpenDayFigures): void {
  const todayRows = () => [...figures.bySchool(figures.today())];
  const metrics = [
    ['checkins', 'Check-ins today', (row: { checkIns: number }) => row.checkIns],
    ['checkouts', 'Check-outs today', (row: { checkOuts: number }) => row.checkOuts],
    ['fevers', 'Students with a reading at or above 38.0 °C today', (row: { fevers: number }) => row.fevers],
    ['present', 'Checked in and not yet out', (row: { checkIns: number; checkOuts: number }) => Math.max(0, row.checkIns - row.checkOuts)],
    ['lates', 'Check-ins after the school start time today', (row: { lates: number }) => row.lates],
    ['excused', 'Absences excused by the office today', (row: { excused: number }) => row.excused],
  ] as const;
  for (const [name, help, value] of metrics) {
    new Gauge({
      name: `dashboard_today_${name}`,
      help: `${help}, all schools`,
      registers: [registry],
      collect() {
        this.set(todayRows().reduce((sum, [, row]) => sum + value(row), 0));
      },
    });
    new Gauge({
      name: `dashboard_school_today_${name}`,
      help: `${help}, per school`,
      labelNames: ['school'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [school, row] of todayRows()) this.set({ school }, value(row));
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
