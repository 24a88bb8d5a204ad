import { setTimeout as sleep } from 'node:timers/promises';
import { addCounts, countKeys, countsOfRecord, dayOf, daysBetween, emptyCounts, type PartitionReport, partitionReportId, type SchoolCounts } from '@attendance/common/records';
import type { Job, JobSummary } from '../job-runner.ts';
import { closeDay, type ClosedReportPort, type PartitionReportPort } from './close-reports.ts';

/** What the recount needs of a stored record (`attendances`). */
export interface CountedRecord {
  schoolId: string;
  type: 'checkin' | 'checkout';
  fever: boolean;
  lateMinutes?: number;
  /** `partition:offset` of the message that stored it. */
  source: string;
  /** Stored by a staff correction (`source` is the correction's). */
  correction?: unknown;
}

export interface CountedExcuse {
  schoolId: string;
  source: string;
}

export interface CountedCorrection {
  source: string;
  status: string;
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
  /** Waits between polls of reports with a correction in flight (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
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


const MAX_WRITE_RACES = 20;
/** Recounts of a day while corrections are in flight, and polls of their reports in between (200 ms apart). */
const MAX_RECOUNTS = 5;
const WATERMARK_POLLS = 50;
const WATERMARK_POLL_MS = 200;
/** The summary lists at most this many changed figures (the count says how many there were). */
const MAX_LISTED_CHANGES = 1000;

/**
 * Recomputes the stored reports of a range of days from what `attendances`
 * (and the excuses and corrections) hold: after a counting rule changed or a
 * bug was fixed.
 *
 * Safe while records arrive: each partition report is recounted **as of its
 * own watermark** (`offset`), from the documents of the messages at or below
 * it (a record stored past it by a batch whose report is not written yet is
 * left out: its effect is what the consumer will add; a partition with a
 * correction in flight is recounted once the consumer has counted it, see
 * `recountDay`). The difference between that truth and the report read with
 * that watermark is then added to the report as it is at write time, with a
 * write conditional on its offset and `updatedAt` (the consumer's own
 * conditional writes then fail once and re-read). So the consumer's later
 * effects are never lost or doubled, and a second run finds nothing to
 * change (idempotent). Only existing reports are corrected (a partition
 * without one has nothing counted as of its watermark). Closed days'
 * per-school reports are rewritten from the corrected partition reports.
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
        for (let attempt = 1; ; attempt += 1) {
          const reports = new Map((await partitionReports.readPartitionReports(ids)).map((report) => [report.partition, report]));
          const recount = await recountDay(source, day, options.schoolId, reports, (read) => {
            records += 1;
            if (read % 50_000 === 0) progress(`day ${index + 1}/${days.length} ${day}: ${read.toLocaleString('en')} records read`);
          });
          for (const [partition, reported] of reports) {
            // A correction past the watermark may have been half read (it changes several documents): recount that partition later.
            if (recount.pending.has(partition)) continue;
            const delta = differenceOf(recount.truth.get(partition), reported, day, options.schoolId, changes);
            if (delta.size > 0) await applyDelta(partitionReports, writer, reported._id, delta, options.now);
          }
          if (recount.pending.size === 0) break;
          if (attempt >= MAX_RECOUNTS) throw new Error(`${day}: corrections past the watermark of partitions ${[...recount.pending.keys()].join(', ')} were still not counted by the consumer after ${attempt} recounts`);
          progress(`day ${index + 1}/${days.length} ${day}: waiting for the consumer to count ${recount.pending.size} partition(s) with a correction in flight`);
          await waitForWatermarks(partitionReports, day, recount.pending, options.sleep ?? ((ms: number) => sleep(ms)));
        }
        if (day < today) await closeDay(partitionReports, closed, day, partitions, options.now);
        progress(`day ${index + 1}/${days.length} ${day}: done, ${changes.filter((change) => change.day === day).length} figures changed`);
      }
      return { items: changes.length, records, days: days.length, from: options.from, to: options.to, ...(options.schoolId ? { school: options.schoolId } : {}), changes: changes.slice(0, MAX_LISTED_CHANGES) };
    },
  };
}

/** What the stored documents of a day say each partition's report should hold, as of its watermark. */
interface Recount {
  truth: Counts;
  /** Partitions with an applied correction past the watermark, and the highest such offset: not recounted in this pass. */
  pending: Map<number, number>;
}

/**
 * Reads the day's records and excuses, then its corrections. A device record
 * is one document carrying its own source, so one stored past the watermark
 * is simply left out (its effect is what the consumer will add). A correction
 * changes several documents after its own is stored, so a read can see part
 * of it: a partition with an applied correction past its watermark, read
 * *after* the records, is left for a later recount (any correction stored
 * later wrote its documents later still, so this read saw none of them).
 */
async function recountDay(source: RecountSource, day: string, schoolId: string | undefined, reports: Map<number, PartitionReport>, onRecord: (read: number) => void): Promise<Recount> {
  const watermark = (partition: number): number => reports.get(partition)?.offset ?? -1;
  const truth: Counts = new Map();
  let read = 0;
  for await (const record of source.records(day, schoolId)) {
    onRecord((read += 1));
    const { partition, offset } = sourceParts(record.source);
    if (offset > watermark(partition) && !record.correction) continue;
    addCounts(countsFor(truth, partition, record.schoolId), countsOfRecord(record));
  }
  for await (const excuse of source.excuses(day, schoolId)) addCounts(countsFor(truth, sourceParts(excuse.source).partition, excuse.schoolId), { excused: 1 });
  const pending = new Map<number, number>();
  for await (const correction of source.corrections(day, schoolId)) {
    const { partition, offset } = sourceParts(correction.source);
    if (correction.status === 'applied' && offset > watermark(partition)) pending.set(partition, Math.max(offset, pending.get(partition) ?? -1));
  }
  return { truth, pending };
}

/** truth - reported for each school of one partition (only `schoolId`'s when given); lists each changed figure. */
function differenceOf(truth: Map<string, SchoolCounts> | undefined, reported: PartitionReport, day: string, schoolId: string | undefined, changes: ReportChange[]): Map<string, SchoolCounts> {
  const delta = new Map<string, SchoolCounts>();
  for (const school of new Set([...(truth?.keys() ?? []), ...Object.keys(reported.schools)])) {
    if (schoolId !== undefined && school !== schoolId) continue;
    const should = truth?.get(school) ?? emptyCounts();
    const has = reported.schools[school] ?? emptyCounts();
    const difference = emptyCounts();
    for (const key of countKeys) {
      difference[key] = should[key] - (has[key] ?? 0);
      if (difference[key] !== 0) changes.push({ day, schoolId: school, field: key, before: has[key] ?? 0, after: should[key] });
    }
    if (countKeys.some((key) => difference[key] !== 0)) delta.set(school, difference);
  }
  return delta;
}

/** Polls the partitions' reports until each has passed its pending correction (the consumer counted it). */
async function waitForWatermarks(reader: PartitionReportPort, day: string, pending: Map<number, number>, pause: (ms: number) => Promise<void>): Promise<void> {
  for (let poll = 0; poll < WATERMARK_POLLS; poll += 1) {
    const reports = await reader.readPartitionReports([...pending.keys()].map((partition) => partitionReportId(day, partition)));
    if (reports.every((report) => report.offset >= (pending.get(report.partition) ?? Infinity)) && reports.length === pending.size) return;
    await pause(WATERMARK_POLL_MS);
  }
}

/** Adds `delta` to the report as it is now, conditionally; re-reads and retries when the consumer wrote in between. */
async function applyDelta(reader: PartitionReportPort, writer: PartitionReportWriter, id: string, delta: Map<string, SchoolCounts>, now: () => number): Promise<void> {
  for (let race = 0; race < MAX_WRITE_RACES; race += 1) {
    const [base] = await reader.readPartitionReports([id]);
    if (!base) throw new Error(`report ${id} disappeared while being corrected`);
    const schools: Record<string, SchoolCounts> = {};
    for (const [schoolId, counts] of Object.entries(base.schools)) schools[schoolId] = addCounts(emptyCounts(), counts);
    for (const [schoolId, difference] of delta) schools[schoolId] = addCounts(schools[schoolId] ?? emptyCounts(), difference);
    // A later timestamp than the stored one, so the consumer's conditional write (on offset and updatedAt) fails and re-reads.
    const updatedAt = new Date(Math.max(now(), base.updatedAt.getTime() + 1));
    if (await writer.replace({ ...base, schools, updatedAt }, base)) return;
  }
  throw new Error(`report ${id} kept moving while being corrected`);
}
