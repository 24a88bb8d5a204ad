import type { PartitionReport, SchoolReport } from '@attendance/common/records';
import { describe, expect, it } from 'vitest';
import { closeReportsJob, type ClosedDay, type ClosedReportPort, type PartitionReportPort } from '../../src/domain/jobs/close-reports.ts';

const partitionReport = (day: string, partition: number, offset: number, schools: PartitionReport['schools']): PartitionReport => ({
  _id: `${day}|${partition}`,
  day,
  partition,
  offset,
  schools,
  updatedAt: new Date(`${day}T12:00:0${partition}Z`),
});

/** The stores in memory, recording every read and write the job makes. */
function memoryStores(partitions: number, initial: PartitionReport[]) {
  const partitionReports = new Map(initial.map((report) => [report._id, report]));
  const reports = new Map<string, SchoolReport>();
  const markers = new Map<string, ClosedDay>();
  const reads: string[][] = [];
  const writes: string[] = [];
  const source: PartitionReportPort = {
    partitionCount: async () => partitions,
    readPartitionReports: async (ids) => {
      reads.push(ids);
      return ids.flatMap((id) => partitionReports.get(id) ?? []);
    },
  };
  const closed: ClosedReportPort = {
    closedDay: async (day) => markers.get(day),
    writeSchoolReports: async (written) => {
      for (const report of written) reports.set(report._id, report);
      writes.push(...written.map((report) => report._id));
    },
    markClosed: async (marker) => {
      writes.push(`marker ${marker._id}`);
      markers.set(marker._id, marker);
    },
  };
  return { source, closed, partitionReports, reports, markers, reads, writes };
}

// 10:00 UTC on the 23rd: the scheduled run looks at the 20th to the 22nd with a 3-day lookback.
const now = () => Date.parse('2026-11-23T10:00:00Z');

describe('close-reports', () => {
  it('writes one report per school and day, the sum of the partition reports, then marks the day', async () => {
    const stores = memoryStores(3, [
      partitionReport('2026-11-22', 0, 41, { 'school-1': { checkIns: 10, checkOuts: 9, fevers: 1, lates: 0, excused: 0 }, 'school-2': { checkIns: 5, checkOuts: 5, fevers: 0, lates: 0, excused: 0 } }),
      partitionReport('2026-11-22', 2, 17, { 'school-1': { checkIns: 3, checkOuts: 3, fevers: 2, lates: 0, excused: 0 } }),
      partitionReport('2026-11-20', 1, 5, { 'school-3': { checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } }),
    ]);
    const job = closeReportsJob(stores.source, stores.closed, { timeZone: 'UTC', now, lookbackDays: 3 });

    expect(await job.run()).toMatchObject({ items: 3, closedDays: ['2026-11-20', '2026-11-21', '2026-11-22'], unchangedDays: 0, from: '2026-11-20', to: '2026-11-22' });
    expect(stores.reports.get('school-1|2026-11-22')).toEqual({ _id: 'school-1|2026-11-22', schoolId: 'school-1', day: '2026-11-22', checkIns: 13, checkOuts: 12, fevers: 3, lates: 0, excused: 0, closedAt: new Date(now()) });
    expect(stores.reports.get('school-2|2026-11-22')).toMatchObject({ checkIns: 5, checkOuts: 5, fevers: 0, lates: 0, excused: 0 });
    expect(stores.reports.get('school-3|2026-11-20')).toMatchObject({ checkIns: 1, checkOuts: 0, fevers: 0, lates: 0, excused: 0 });
    // Every partition of the topic is read by _id, including those without a report.
    expect(stores.reads[2]).toEqual(['2026-11-22|0', '2026-11-22|1', '2026-11-22|2']);
    // Reports first, marker last: a run that dies in between is redone by the next.
    expect(stores.writes.slice(-3)).toEqual(['school-1|2026-11-22', 'school-2|2026-11-22', 'marker 2026-11-22']);
    expect(stores.markers.get('2026-11-22')).toMatchObject({ state: `0:41@${Date.parse('2026-11-22T12:00:00Z')},1:-,2:17@${Date.parse('2026-11-22T12:00:02Z')}`, partitions: 3, schools: 2, lastUpdatedAt: new Date('2026-11-22T12:00:02Z') });
    // A day without any report is closed too (with no school), so later runs skip it.
    expect(stores.markers.get('2026-11-21')).toMatchObject({ state: '0:-,1:-,2:-', schools: 0, lastUpdatedAt: null });
  });

  it('skips a day closed from the same partition state, and rewrites it once a partition moved on', async () => {
    const stores = memoryStores(2, [partitionReport('2026-11-22', 0, 7, { 'school-1': { checkIns: 2, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } })]);
    const job = closeReportsJob(stores.source, stores.closed, { timeZone: 'UTC', now, lookbackDays: 1 });
    await job.run();
    const writesAfterFirst = stores.writes.length;

    expect(await job.run()).toMatchObject({ items: 0, closedDays: [], unchangedDays: 1 });
    expect(stores.writes).toHaveLength(writesAfterFirst);

    // A late record (up to 48 h old) reached the day through partition 1.
    stores.partitionReports.set('2026-11-22|1', partitionReport('2026-11-22', 1, 0, { 'school-1': { checkIns: 0, checkOuts: 1, fevers: 0, lates: 0, excused: 0 } }));
    expect(await job.run()).toMatchObject({ items: 1, closedDays: ['2026-11-22'] });
    expect(stores.reports.get('school-1|2026-11-22')).toMatchObject({ checkIns: 2, checkOuts: 1, fevers: 0, lates: 0, excused: 0 });

    // reprocess corrected partition 0's counts under the same offset: its later write alone shows it.
    const corrected = stores.partitionReports.get('2026-11-22|0');
    if (!corrected) throw new Error('partition report 0 missing');
    stores.partitionReports.set('2026-11-22|0', { ...corrected, schools: { 'school-1': { checkIns: 3, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } }, updatedAt: new Date('2026-11-23T09:00:00Z') });
    expect(await job.run()).toMatchObject({ items: 1, closedDays: ['2026-11-22'] });
    expect(stores.reports.get('school-1|2026-11-22')).toMatchObject({ checkIns: 3, checkOuts: 1 });
  });

  it('closes exactly the days asked for on the command line, today included when asked', async () => {
    const stores = memoryStores(1, [partitionReport('2026-11-23', 0, 3, { 'school-9': { checkIns: 4, checkOuts: 0, fevers: 0, lates: 0, excused: 0 } })]);
    const job = closeReportsJob(stores.source, stores.closed, { timeZone: 'UTC', now, lookbackDays: 7, days: { from: '2026-11-23', to: '2026-11-23' } });
    expect(await job.run()).toMatchObject({ items: 1, closedDays: ['2026-11-23'] });
    expect(stores.reads).toEqual([['2026-11-23|0']]);
  });

  it('counts days in the attendance time zone: 23:30 UTC is already tomorrow in Tokyo', async () => {
    const stores = memoryStores(1, []);
    const job = closeReportsJob(stores.source, stores.closed, { timeZone: 'Asia/Tokyo', now: () => Date.parse('2026-11-22T23:30:00Z'), lookbackDays: 1 });
    expect(await job.run()).toMatchObject({ from: '2026-11-22', to: '2026-11-22' });
  });
});
