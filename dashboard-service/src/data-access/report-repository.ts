import { findByIds, READ_TIME_LIMIT_MS } from '@attendance/common/mongo';
import { fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, type PartitionReport, type PartitionReportDocument, partitionReportId, REPORTS_COLLECTION, type SchoolReport, schoolReportId, toPartitionReportDocument } from '@attendance/common/records';
import type { Collection, Db } from 'mongodb';
import type { PartitionReportStore } from '../domain/store-messages.ts';
import { isDuplicateKey } from './mongo-errors.ts';

/** Reports this process wrote last, kept so the next batch needs no read (a few days x partitions). */
const MAX_CACHED_REPORTS = 64;

/**
 * The consumer's partition reports (one document per day and partition,
 * every school inside) and the closed per-school reports the tasks job
 * writes.
 *
 * The consumer writes its partitions' reports, so it keeps the last version
 * it wrote and writes the next one conditionally on that version's offset
 * and `updatedAt`: one round trip per batch and report, no read. When the
 * condition fails (the partition had moved to another consumer and back, or
 * the `reprocess` job corrected the counts), the cached copy is dropped and
 * the report read again.
 */
export class ReportRepository implements PartitionReportStore {
  readonly partitions: Collection<PartitionReportDocument>;
  readonly schools: Collection<SchoolReport>;
  private readonly written = new Map<string, PartitionReport>();

  constructor(db: Db) {
    this.partitions = db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION);
    this.schools = db.collection<SchoolReport>(REPORTS_COLLECTION);
  }

  async load(id: string): Promise<PartitionReport | undefined> {
    const cached = this.written.get(id);
    if (cached) return cached;
    const document = await this.partitions.findOne({ _id: id }, { maxTimeMS: READ_TIME_LIMIT_MS });
    return document ? fromPartitionReportDocument(document) : undefined;
  }

  async replace(next: PartitionReport, expectedOffset: number, expectedUpdatedAt: Date): Promise<boolean> {
    this.written.delete(next._id);
    let written: boolean;
    try {
      if (expectedOffset < 0) {
        await this.partitions.insertOne(toPartitionReportDocument(next));
        written = true;
      } else {
        const filter = { _id: next._id, offset: expectedOffset, updatedAt: expectedUpdatedAt };
        const result = await this.partitions.replaceOne(filter, toPartitionReportDocument(next));
        written = result.matchedCount === 1;
      }
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      written = false;
    }
    if (written) {
      this.written.set(next._id, next);
      if (this.written.size > MAX_CACHED_REPORTS) this.written.delete(this.written.keys().next().value as string);
    }
    return written;
  }

  /** A day's partition reports, read by `_id` (never a scan: each document holds every school). */
  async partitionReportsOf(day: string, partitionCount: number): Promise<PartitionReport[]> {
    const ids = Array.from({ length: partitionCount }, (_, partition) => partitionReportId(day, partition));
    return [...(await findByIds(this.partitions, ids)).values()].map(fromPartitionReportDocument);
  }

  /** A school's closed reports of the given days, by `_id`. */
  async closedReportsOf(schoolId: string, days: string[]): Promise<Map<string, SchoolReport>> {
    const found = await findByIds(
      this.schools,
      days.map((day) => schoolReportId(schoolId, day)),
    );
    return new Map([...found.values()].map((report) => [report.day, report]));
  }
}
