import { emptyCounts, type PartitionReport, type SchoolCounts } from '@attendance/common/records';
import { describe, expect, it } from 'vitest';
import type { ClosedReportPort, PartitionReportPort } from '../../src/domain/jobs/close-reports.ts';
import { reprocessJob, type CountedExcuse, type CountedRecord, type PartitionReportWriter, type RecountSource } from '../../src/domain/jobs/reprocess.ts';

const day = '2026-11-23';
const counts = (more: Partial<SchoolCounts>): SchoolCounts => ({ ...emptyCounts(), ...more });
const checkIn = (offset: number): CountedRecord => ({ schoolId: 'east', type: 'checkin', fever: false, source: `0:${offset}` });

/**
 * One partition, its report corrupted (one check-in too many), and a staff
 * excuse (offset 11) stored while the job reads: its correction document is
 * there by the time the job reads corrections, its excuse document was not
 * yet when it read the excuses. The consumer counts it (and a device record
 * at offset 12) while the job waits.
 */
function scene() {
  let report: PartitionReport = { _id: `${day}|0`, day, partition: 0, offset: 10, schools: { east: counts({ checkIns: 5 }) }, updatedAt: new Date(1_000) };
  let excuses: CountedExcuse[] = [];
  const records = [1, 2, 3, 4, 12].map(checkIn);
  const reader: PartitionReportPort = { partitionCount: async () => 1, readPartitionReports: async (ids) => (ids.includes(report._id) ? [report] : []) };
  const writer: PartitionReportWriter = {
    replace: async (next, expected) => {
      if (report.offset !== expected.offset || report.updatedAt.getTime() !== expected.updatedAt.getTime()) return false;
      report = next;
      return true;
    },
  };
  const source: RecountSource = {
    records: async function* () {
      yield* records;
    },
    excuses: async function* () {
      yield* excuses;
    },
    corrections: async function* () {
      yield { source: '0:11', status: 'applied' };
    },
  };
  const closed: ClosedReportPort = { closedDay: async () => undefined, writeSchoolReports: async () => undefined, markClosed: async () => undefined };
  const sleeps: number[] = [];
  /** The consumer's batch: the excuse's document, then the report past both messages, with their effects. */
  const consumerCounts = async (ms: number): Promise<void> => {
    sleeps.push(ms);
    if (report.offset >= 12) return;
    excuses = [{ schoolId: 'east', source: '0:11' }];
    const east = report.schools.east ?? emptyCounts();
    report = { ...report, offset: 12, schools: { east: counts({ ...east, checkIns: east.checkIns + 1, excused: east.excused + 1 }) }, updatedAt: new Date(2_000) };
  };
  const job = reprocessJob(reader, writer, source, closed, { from: day, to: day, timeZone: 'UTC', now: () => Date.parse(`${day}T12:00:00Z`), sleep: consumerCounts });
  return { job, sleeps, report: () => report };
}

describe('reprocess while a correction is in flight', () => {
  it('leaves the partition to a recount once the consumer has counted the correction, and ends exact', async () => {
    const { job, sleeps, report } = scene();
    const summary = await job.run();
    expect(sleeps.length).toBeGreaterThan(0);
    // Five device check-ins and the excuse, nothing counted twice or lost.
    expect(report().schools.east).toEqual(counts({ checkIns: 5, excused: 1 }));
    expect(summary.changes).toEqual([{ day, schoolId: 'east', field: 'checkIns', before: 6, after: 5 }]);
    expect(report().offset).toBe(12);
  });
});
