import { addDays, dayOf, daysBetween, type PartitionReport, partitionReportId, type SchoolReport, schoolReportId, sumPartitionReports } from '@attendance/common/records';
import type { Job, JobSummary } from '../job-runner.ts';

/**
 * What `close-reports` remembers about a day it wrote (`closed_days`, `_id` =
 * day): the partition state it summed, so a later run can tell whether
 * anything reached the day since without rewriting every school's report.
 */
export interface ClosedDay {
  _id: string;
  day: string;
  /** Partitions of the topic when the day was closed. */
  partitions: number;
  /**
   * Each partition report's offset (`p:offset`, `p:-` when absent). Offsets
   * only grow when a report changes, so equal states mean equal counts.
   */
  state: string;
  /** Latest `updatedAt` of the day's partition reports (for people reading the marker). */
  lastUpdatedAt: Date | null;
  schools: number;
  closedAt: Date;
}

export interface PartitionReportPort {
  /** Partitions of the attendance topic (broker metadata): which `day|p` documents can exist. */
  partitionCount(): Promise<number>;
  /** The given partition reports, read by `_id` (never a scan of the collection). */
  readPartitionReports(ids: string[]): Promise<PartitionReport[]>;
}

export interface ClosedReportPort {
  closedDay(day: string): Promise<ClosedDay | undefined>;
  /** Replaces (or inserts) each school-day report; writing the same reports twice changes nothing. */
  writeSchoolReports(reports: SchoolReport[]): Promise<void>;
  markClosed(marker: ClosedDay): Promise<void>;
}

export interface CloseReportsOptions {
  timeZone: string;
  now: () => number;
  /** Days before today the scheduled run looks at (records can be up to 48 h old, so yesterday can still change). */
  lookbackDays: number;
  /** An explicit range from the command line (`--day`, `--from --to`), inclusive. */
  days?: { from: string; to: string };
}

/**
 * The partition state a marker records: each partition's offset and last
 * write, in partition order (`reprocess` corrects counts under the same
 * offset, so the offset alone would not show it).
 */
export function partitionState(partitions: number, reports: PartitionReport[]): string {
  const byPartition = new Map(reports.map((report) => [report.partition, report]));
  return Array.from({ length: partitions }, (_, p) => {
    const report = byPartition.get(p);
    return report ? `${p}:${report.offset}@${report.updatedAt.getTime()}` : `${p}:-`;
  }).join(',');
}

/**
 * Writes a day's per-school reports from its partition reports, then its
 * marker, unless the marker says they were written from the same partition
 * state. Returns how many school reports it wrote (undefined: unchanged).
 */
export async function closeDay(partitionReports: PartitionReportPort, closed: ClosedReportPort, day: string, partitions: number, now: () => number): Promise<number | undefined> {
  const reports = await partitionReports.readPartitionReports(Array.from({ length: partitions }, (_, p) => partitionReportId(day, p)));
  const state = partitionState(partitions, reports);
  if ((await closed.closedDay(day))?.state === state) return undefined;
  const closedAt = new Date(now());
  const schoolReports: SchoolReport[] = [...sumPartitionReports(reports)].map(([schoolId, counts]) => ({ _id: schoolReportId(schoolId, day), schoolId, day, ...counts, closedAt }));
  await closed.writeSchoolReports(schoolReports);
  const updates = reports.map((report) => report.updatedAt.getTime());
  await closed.markClosed({ _id: day, day, partitions, state, lastUpdatedAt: updates.length > 0 ? new Date(Math.max(...updates)) : null, schools: schoolReports.length, closedAt });
  return schoolReports.length;
}

/**
 * Writes each closed day's per-school reports (`reports`, one document per
 * school and day) from the day's partition reports, so reading a school's
 * history costs one document per day instead of one per partition. A day is
 * skipped when its marker says it was closed from the same partition state,
 * so the hourly run costs a few `_id` reads per day once nothing changes.
 * Reports are written before the marker: a run that dies in between is
 * repeated by the next one, and repeating it writes the same documents.
 */
export function closeReportsJob(partitionReports: PartitionReportPort, closed: ClosedReportPort, options: CloseReportsOptions): Job {
  return {
    name: 'close-reports',
    async run(): Promise<JobSummary> {
      const today = dayOf(options.now(), options.timeZone);
      const range = options.days ?? { from: addDays(today, -options.lookbackDays), to: addDays(today, -1) };
      const partitions = await partitionReports.partitionCount();
      let written = 0;
      const closedDays: string[] = [];
      let unchanged = 0;
      for (const day of daysBetween(range.from, range.to)) {
        const schools = await closeDay(partitionReports, closed, day, partitions, options.now);
        if (schools === undefined) {
          unchanged += 1;
          continue;
        }
        written += schools;
        closedDays.push(day);
      }
      return { items: written, schoolReports: written, closedDays, unchangedDays: unchanged, from: range.from, to: range.to, partitions };
    },
  };
}
