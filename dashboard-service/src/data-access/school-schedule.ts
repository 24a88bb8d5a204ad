import { READ_TIME_LIMIT_MS, SCHOOLS_COLLECTION, type Logger, type SchoolDocument } from '@attendance/common';
import type { Collection, Db } from 'mongodb';

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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly schools: Collection<SchoolDocument>;

  constructor(
    db: Db,
    private readonly defaultStartTime: string,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {
    this.schools = db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  readonly startTimeOf = (schoolId: string): string => this.startTimes.get(schoolId) ?? this.defaultStartTime;

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.refresh()
        .catch((err: unknown) => this.logger.warn({ err }, 'school start times not refreshed; using the last ones'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    const documents = await this.schools.find({}, { projection: { startTime: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray();
    this.startTimes = new Map(documents.flatMap((school) => (typeof school.startTime === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(school.startTime) ? [[school._id, school.startTime] as const] : [])));
  }
}
