import { dayOf } from '@attendance/common';
import { Gauge, type Registry } from 'prom-client';
import type { ReportRepository } from '../../data-access/report-repository.ts';

/** How long one read of today's reports serves scrapes (Prometheus and Grafana poll often). */
const REFRESH_MS = 5_000;

/**
 * Today's figures as gauges, computed from the report shards at scrape time.
 * Per-school series are labelled by school id only: one series per school
 * and figure (4,000 at 1,000 schools), bounded by the roster, never by users.
 */
export function registerSchoolMetrics(registry: Registry, reports: ReportRepository, timeZone: string, now: () => number): void {
  let cached: { at: number; rows: Awaited<ReturnType<ReportRepository['dailyTotals']>> } | undefined;
  async function todayRows() {
    if (!cached || now() - cached.at > REFRESH_MS) {
      const day = dayOf(now(), timeZone);
      cached = { at: now(), rows: await reports.dailyTotals({ from: day, to: day }) };
    }
    return cached.rows;
  }
  const figures = [
    ['checkins', 'Check-ins today', (row: { checkIns: number }) => row.checkIns],
    ['checkouts', 'Check-outs today', (row: { checkOuts: number }) => row.checkOuts],
    ['fevers', 'Students with a reading at or above 38.0 °C today', (row: { fevers: number }) => row.fevers],
    ['present', 'Checked in and not yet out', (row: { checkIns: number; checkOuts: number }) => Math.max(0, row.checkIns - row.checkOuts)],
  ] as const;
  for (const [name, help, value] of figures) {
    new Gauge({
      name: `dashboard_today_${name}`,
      help: `${help}, all schools`,
      registers: [registry],
      async collect() {
        this.set((await todayRows()).reduce((sum, row) => sum + value(row), 0));
      },
    });
    new Gauge({
      name: `dashboard_school_today_${name}`,
      help: `${help}, per school`,
      labelNames: ['school'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const row of await todayRows()) this.set({ school: row.schoolId }, value(row));
      },
    });
  }
}
