import { bulkWriteInChunks, findByIds } from '@attendance/common/mongo';
import { ATTENDANCES_COLLECTION, CLOSED_DAYS_COLLECTION, CORRECTIONS_COLLECTION, EXCUSES_COLLECTION, fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, type PartitionReport, type PartitionReportDocument, REPORTS_COLLECTION, type SchoolReport, toPartitionReportDocument } from '@attendance/common/records';
import type { Admin } from 'kafkajs';
import type { Collection, Db } from 'mongodb';
import type { ClosedDay, ClosedReportPort, PartitionReportPort } from '../domain/jobs/close-reports.ts';
import type { CountedCorrection, CountedExcuse, CountedRecord, PartitionReportWriter, RecountSource } from '../domain/jobs/reprocess.ts';

/** The consumer's partition reports, read by `_id` only (FerretDB scans the collection for anything else). */
export class MongoPartitionReports implements PartitionReportPort, PartitionReportWriter {
  private readonly collection: Collection<PartitionReportDocument>;

  constructor(
    db: Db,
    private readonly admin: Admin,
    private readonly topic: string,
  ) {
    this.collection = db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION);
  }

  async partitionCount(): Promise<number> {
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [this.topic] });
    const partitions = topics[0]?.partitions.length ?? 0;
    if (partitions === 0) throw new Error(`topic ${this.topic} has no partitions (does it exist?)`);
    return partitions;
  }

  async readPartitionReports(ids: string[]): Promise<PartitionReport[]> {
    return [...(await findByIds(this.collection, ids, { concurrency: 6 })).values()].map(fromPartitionReportDocument);
  }

  async replace(next: PartitionReport, expected: PartitionReport): Promise<boolean> {
    const result = await this.collection.replaceOne({ _id: next._id, offset: expected.offset, updatedAt: expected.updatedAt }, toPartitionReportDocument(next));
    return result.matchedCount === 1;
  }
}

/**
 * A day's stored documents for the recount, each read with one cursor and
 * only the fields counted (an equality filter on `day`, plus `schoolId` for
 * one school).
 */
export class MongoRecountSource implements RecountSource {
  constructor(private readonly db: Db) {}

  records(day: string, schoolId: string | undefined): AsyncIterable<CountedRecord> {
    return this.db
      .collection<CountedRecord>(ATTENDANCES_COLLECTION)
      .find({ day, ...(schoolId === undefined ? {} : { schoolId }) }, { projection: { _id: 0, schoolId: 1, type: 1, fever: 1, lateMinutes: 1, source: 1, correction: 1 }, batchSize: 5000 });
  }

  excuses(day: string, schoolId: string | undefined): AsyncIterable<CountedExcuse> {
    return this.db.collection<CountedExcuse>(EXCUSES_COLLECTION).find({ day, ...(schoolId === undefined ? {} : { schoolId }) }, { projection: { _id: 0, schoolId: 1, source: 1 } });
  }

  corrections(day: string, schoolId: string | undefined): AsyncIterable<CountedCorrection> {
    return this.db.collection<CountedCorrection>(CORRECTIONS_COLLECTION).find({ day, ...(schoolId === undefined ? {} : { schoolId }) }, { projection: { _id: 0, source: 1, status: 1 } });
  }
}

/** Closed per-school reports and the markers of the days they were written for. */
export class MongoClosedReports implements ClosedReportPort {
  private readonly reports: Collection<SchoolReport>;
  private readonly markers: Collection<ClosedDay>;

  constructor(db: Db) {
    this.reports = db.collection<SchoolReport>(REPORTS_COLLECTION);
    this.markers = db.collection<ClosedDay>(CLOSED_DAYS_COLLECTION);
  }

  async closedDay(day: string): Promise<ClosedDay | undefined> {
    return (await this.markers.findOne({ _id: day })) ?? undefined;
  }

  /**
   * Whole-document upserts by `_id`: idempotent, and each is one update on
   * FerretDB, so they go in commands of at most 25 (see bulkWriteInChunks).
   */
  async writeSchoolReports(reports: SchoolReport[]): Promise<void> {
    await bulkWriteInChunks(
      this.reports,
      reports.map((report) => ({ replaceOne: { filter: { _id: report._id }, replacement: report, upsert: true } })),
    );
  }

  async markClosed(marker: ClosedDay): Promise<void> {
    await this.markers.replaceOne({ _id: marker._id }, marker, { upsert: true });
  }
}
