import { BackgroundRefresh } from '@attendance/common';
import type { Logger } from '@attendance/common/config';
import { READ_TIME_LIMIT_MS, type SchoolDocument, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import type { Collection, Db } from 'mongodb';
import { CLOCK_TIME } from '../domain/late-arrival.ts';

/**
 * Each school's start time, for the consumer to mark late check-ins without
 * a read per record: the `schools` collection (1,000 small documents) is read
 * at start and then every `refreshMs` in the background, one read at a
 * time. A school without `startTime` (or not read yet) starts at the default.
 * A changed start time applies to check-ins stored after the next read;
 * earlier ones keep the minutes they were stored with (`reprocess` recounts
 * reports from what is stored, it does not re-judge lateness).
 */
export class SchoolSchedule {
  private startTimes = new Map<string, string>();
  private readonly schools: Collection<SchoolDocument>;
  private readonly background: BackgroundRefresh;

  constructor(
    db: Db,
    private readonly defaultStartTime: string,
    refreshMs: number,
    logger: Logger,
  ) {
    this.schools = db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
    this.background = new BackgroundRefresh(() => this.refresh(), refreshMs, (err) => logger.warn({ err }, 'school start times not refreshed; using the last ones'));
  }

  start(): Promise<void> {
    return this.background.start();
  }

  stop(): Promise<void> {
    return this.background.stop();
  }

  readonly startTimeOf = (schoolId: string): string => this.startTimes.get(schoolId) ?? this.defaultStartTime;

  private async refresh(): Promise<void> {
    const documents = await this.schools.find({}, { projection: { startTime: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray();
    this.startTimes = new Map(documents.flatMap((school) => (typeof school.startTime === 'string' && CLOCK_TIME.test(school.startTime) ? [[school._id, school.startTime] as const] : [])));
  }
}
