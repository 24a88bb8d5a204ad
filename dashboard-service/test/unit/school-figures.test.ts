import { createLogger } from '@attendance/common/config';
import type { PartitionReport, SchoolCounts } from '@attendance/common/records';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OpenDayFigures } from '../../src/data-access/open-day-figures.ts';
import { schoolsToday, statsToday } from '../../src/domain/school-figures.ts';
import { registerSchoolMetrics } from '../../src/entry-points/metrics/school-metrics.ts';

const now = Date.parse('2026-11-21T09:00:00Z');
const counts = (checkIns: number, checkOuts: number): SchoolCounts => ({ checkIns, checkOuts, fevers: 1, lates: 2, excused: 3 });

/** Two partitions' reports of today: school a in both, school b (more check-outs than check-ins so far) in one. */
async function todaysFigures(): Promise<OpenDayFigures> {
  const reports: PartitionReport[] = [
    { _id: '2026-11-21|0', day: '2026-11-21', partition: 0, offset: 1, schools: { a: counts(5, 1) }, updatedAt: new Date(now) },
    { _id: '2026-11-21|1', day: '2026-11-21', partition: 1, offset: 1, schools: { a: counts(4, 2), b: counts(1, 2) }, updatedAt: new Date(now) },
  ];
  const figures = new OpenDayFigures({ partitionReportsOf: async (day) => reports.filter((report) => report.day === day) }, async () => 2, { timeZone: 'UTC', now: () => now, refreshMs: 60_000, openDays: 0, slowMs: 10_000, logger: createLogger('test', 'silent') });
  await figures.start();
  return figures;
}

describe("today's figures, one read side for routes, streams and gauges", () => {
  it('sums the partition reports per school and counts present = in - out, floored at 0 per school', async () => {
    const figures = await todaysFigures();
    expect(Object.fromEntries(schoolsToday(figures))).toEqual({
      a: { checkIns: 9, checkOuts: 3, fevers: 2, presentNow: 6, lates: 4, excused: 6 },
      b: { checkIns: 1, checkOuts: 2, fevers: 1, presentNow: 0, lates: 2, excused: 3 },
    });
    expect(statsToday(figures)).toEqual({ day: '2026-11-21', checkIns: 10, checkOuts: 5, fevers: 3, presentNow: 5, lates: 6, excused: 9 });
    await figures.stop();
  });

  it('gives the gauges the same per-school figures', async () => {
    const figures = await todaysFigures();
    const registry = new Registry();
    registerSchoolMetrics(registry, figures);
    const present = await registry.getSingleMetric('dashboard_school_today_present')?.get();
    expect(Object.fromEntries((present?.values ?? []).map((sample) => [sample.labels.school, sample.value]))).toEqual({ a: 6, b: 0 });
    const checkIns = await registry.getSingleMetric('dashboard_today_checkins')?.get();
    expect(checkIns?.values[0]?.value).toBe(statsToday(figures).checkIns);
    await figures.stop();
  });
});
