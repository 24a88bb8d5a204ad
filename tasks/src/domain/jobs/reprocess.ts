import { addCounts, countKeys, dayOf, emptyCounts, partitionReportId, schoolReportId, sumPartitionReports, type PartitionReport, type SchoolCounts, type SchoolReport } from '@attendance/common';
import type { Job, JobSummary } from '../job-runner.ts';
import { daysBetween, partitionState, type ClosedReportPort, type PartitionReportPort } from './close-reports.ts';

/** What the recount needs of a stored record (`attendances`). */
export interface CountedRecord {
  schoolId: string;
  type: 'checkin' | 'checkout';
  fever: boolean;
  lateMinutes?: number;
  /** `partition:offset` of the message that stored it. */
  source: string;
  /** Stored by a staff correction (its effect is the correction's). */
  correction?: unknown;
  /** What the record's own message stored, when a correction changed it since. */
  recorded?: { fever: boolean; lateMinutes?: number };
}

export interface CountedExcuse {
  schoolId: string;
  source: string;
}

export interface CountedCorrection {
  schoolId: string;
  source: string;
  status: string;
  effect: SchoolCounts;
}

/** The stored documents of a day (optionally one school), read as streams. */
export interface RecountSource {
  records(day: string, schoolId: string | undefined): AsyncIterable<CountedRecord>;
  excuses(day: string, schoolId: string | undefined): AsyncIterable<CountedExcuse>;
  corrections(day: string, schoolId: string | undefined): AsyncIterable<CountedCorrection>;
}

export interface PartitionReportWriter {
  /** Writes `next` only while the stored report still has `expected`'s offset and `updatedAt`; false when it moved. */
  replace(next: PartitionReport, expected: PartitionReport): Promise<boolean>;
}

export interface ReprocessOptions {
  from: string;
  to: string;
  schoolId?: string;
  timeZone: string;
  now: () => number;
  /** Progress lines (the command line prints them on stderr). */
  onProgress?: (line: string) => void;
}

/** One figure of one school-day that the job changed. */
export interface ReportChange {
  day: string;
  schoolId: string;
  field: keyof SchoolCounts;
  before: number;
  after: number;
}

const sourceParts = (source: string): { partition: number; offset: number } => {
  const [partition, offset] = source.split(':').map(Number);
  return { partition: partition ?? -1, offset: offset ?? -1 };
};

type Counts = Map<number, Map<string, SchoolCounts>>;

function countsFor(counts: Counts, partition: number, schoolId: string): SchoolCounts {
  let bySchool = counts.get(partition);
  if (!bySchool) counts.set(partition, (bySchool = new Map<string, SchoolCounts>()));
  let entry = bySchool.get(schoolId);
  if (!entry) bySchool.set(schoolId, (entry = emptyCounts()));
  return entry;
}

const recordCounts = (record: { type: string; fever: boolean; lateMinutes?: number }, sign: number): Partial<SchoolCounts> => ({
  checkIns: record.type === 'checkin' ? sign : 0,
  checkOuts: record.type === 'checkout' ? sign : 0,
  fevers: record.fever ? sign : 0,
  lates: record.type === 'checkin' && (record.lateMinutes ?? 0) > 0 ? sign : 0,
});

const MAX_WRITE_RACES = 20;
/** The summary lists at most this many changed figures (the count says how many there were). */
const MAX_LISTED_CHANGES = 1000;

/**
 * Recomputes the stored reports of a range of days from what `attendances`
 * (and the excuses and corrections) hold: after a counting rule changed or a
 * bug was fixed.
 *
 * Safe while records arrive: each partition report is recounted **as of its
 * own watermark** (`offset`): what is stored now, minus the effect of every
 * message past the watermark (records stored by a batch whose report is not
 * written yet, corrections likewise: their effects are what the consumer will
 * add). The difference between that truth and the report is then added to the
 * report as it is at write time, with a write conditional on its offset and
 * `updatedAt` (the consumer's own conditional writes then fail once and
 * re-read). So the consumer's later effects are never lost or doubled, and a
 * second run finds nothing to change (idempotent). Closed days' per-school
 * reports are rewritten from the corrected partition reports.
 */
export function reprocessJob(partitionReports: PartitionReportPort, writer: PartitionReportWriter, source: RecountSource, closed: ClosedReportPort, options: ReprocessOptions): Job {
  const progress = options.onProgress ?? (() => undefined);
  return {
    name: 'reprocess',
    async run(): Promise<JobSummary> {
      const today = dayOf(options.now(), options.timeZone);
      const partitions = await partitionReports.partitionCount();
      const changes: ReportChange[] = [];
      let records = 0;
      const days = daysBetween(options.from, options.to);
      for (const [index, day] of days.entries()) {
        const ids = Array.from({ length: partitions }, (_, p) => partitionReportId(day, p));
        const reports = new Map((await partitionReports.readPartitionReports(ids)).map((report) => [report.partition, report]));
        const watermark = (partition: number): number => reports.get(partition)?.offset ?? -1;
        const truth: Counts = new Map();
        for await (const record of source.records(day, options.schoolId)) {
          records += 1;
          if (records % 50_000 === 0) progress(`day ${index + 1}/${days.length} ${day}: ${records.toLocaleString('en')} records read`);
          const { partition, offset } = sourceParts(record.source);
          const counts = countsFor(truth, partition, record.schoolId);
          addCounts(counts, recordCounts(record, 1));
          // Stored past the watermark by a device: its effect (what its message stored) is not in the report yet.
          if (offset > watermark(partition) && !record.correction) addCounts(counts, recordCounts({ type: record.type, ...(record.recorded ?? record) }, -1));
        }
        for await (const excuse of source.excuses(day, options.schoolId)) addCounts(countsFor(truth, sourceParts(excuse.source).partition, excuse.schoolId), { excused: 1 });
        for await (const correction of source.corrections(day, options.schoolId)) {
          const { partition, offset } = sourceParts(correction.source);
          if (correction.status !== 'applied' || offset <= watermark(partition)) continue;
          const effect = emptyCounts();
          for (const key of countKeys) effect[key] = -correction.effect[key];
          addCounts(countsFor(truth, partition, correction.schoolId), effect);
        }

        for (let partition = 0; partition < partitions; partition += 1) {
          const reported = reports.get(partition);
          const delta = new Map<string, SchoolCounts>();
          const schools = new Set([...(truth.get(partition)?.keys() ?? []), ...Object.keys(reported?.schools ?? {})]);
          for (const schoolId of schools) {
            if (options.schoolId !== undefined && schoolId !== options.schoolId) continue;
            const should = truth.get(partition)?.get(schoolId) ?? emptyCounts();
            const has = reported?.schools[schoolId] ?? emptyCounts();
            const difference = emptyCounts();
            for (const key of countKeys) {
              difference[key] = should[key] - (has[key] ?? 0);
              if (difference[key] !== 0) changes.push({ day, schoolId, field: key, before: has[key] ?? 0, after: should[key] });
            }
            if (countKeys.some((key) => difference[key] !== 0)) delta.set(schoolId, difference);
          }
          if (delta.size > 0) await applyDelta(partitionReports, writer, partitionReportId(day, partition), day, partition, delta, options.now);
        }
        if (day < today) await rewriteClosedDay(partitionReports, closed, day, partitions, options.now);
        progress(`day ${index + 1}/${days.length} ${day}: done, ${changes.filter((change) => change.day === day).length} figures changed`);
      }
      return { items: changes.length, records, days: days.length, from: options.from, to: options.to, ...(options.schoolId ? { school: options.schoolId } : {}), changes: changes.slice(0, MAX_LISTED_CHANGES) };
    },
  };
}

/** Adds `delta` to the report as it is now, conditionally; re-reads and retries when the consumer wrote in between. */
async function applyDelta(reader: PartitionReportPort, writer: PartitionReportWriter, id: string, day: string, partition: number, delta: Map<string, SchoolCounts>, now: () => number): Promise<void> {
  for (let race = 0; race < MAX_WRITE_RACES; race += 1) {
    const [current] = await reader.readPartitionReports([id]);
    const base: PartitionReport = current ?? { _id: id, day, partition, offset: -1, schools: {}, updatedAt: new Date(0) };
    const schools: Record<string, SchoolCounts> = {};
    for (const [schoolId, counts] of Object.entries(base.schools)) schools[schoolId] = addCounts(emptyCounts(), counts);
    for (const [schoolId, difference] of delta) schools[schoolId] = addCounts(schools[schoolId] ?? emptyCounts(), difference);
    // A later timestamp than the stored one, so the consumer's conditional write (on offset and updatedAt) fails and re-reads.
    const updatedAt = new Date(Math.max(now(), base.updatedAt.getTime() + 1));
    if (await writer.replace({ ...base, schools, updatedAt }, base)) return;
  }
  throw new Error(`report ${id} kept moving while being corrected`);
}

/** A closed day's per-school reports from its (corrected) partition reports, and its marker, as `close-reports` writes them. */
async function rewriteClosedDay(reader: PartitionReportPort, closed: ClosedReportPort, day: string, partitions: number, now: () => number): Promise<void> {
  const reports = await reader.readPartitionReports(Array.from({ length: partitions }, (_, p) => partitionReportId(day, p)));
  const closedAt = new Date(now());
  const schoolReports: SchoolReport[] = [...sumPartitionReports(reports)].map(([schoolId, counts]) => ({ _id: schoolReportId(schoolId, day), schoolId, day, ...counts, closedAt }));
  await closed.writeSchoolReports(schoolReports);
  const updates = reports.map((report) => report.updatedAt.getTime());
  await closed.markClosed({ _id: day, day, partitions, state: partitionState(partitions, reports), lastUpdatedAt: updates.length > 0 ? new Date(Math.max(...updates)) : null, schools: schoolReports.length, closedAt });
}
