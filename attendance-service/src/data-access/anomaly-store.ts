import type { Logger } from '@attendance/common/config';
import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import type { Anomaly, AnomalyKind } from '../domain/anomaly-rules.ts';

export const ANOMALIES_COLLECTION = 'anomalies';

export interface AnomalyDocument {
  /** `kind|deviceId|windowStart[|userId]`: replicas flagging the same window write one document. */
  _id: string;
  kind: AnomalyKind;
  deviceId: string;
  schoolId: string;
  userId?: string;
  windowStart: Date;
  detectedAt: Date;
  details: Record<string, number>;
}

/** Most flags held for the next write; past it new ones are dropped (and logged): flags must never cost the write path. */
const MAX_PENDING = 1_000;

/**
 * Flags go to MongoDB in the background, one `insertMany` every
 * `flushMs` at most, never on a request's path.
 */
export class AnomalyStore {
  private pending: AnomalyDocument[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly collection: Collection<AnomalyDocument>;

  constructor(
    db: Db,
    private readonly options: { flushMs: number; logger: Logger },
  ) {
    this.collection = db.collection<AnomalyDocument>(ANOMALIES_COLLECTION);
  }

  add(anomaly: Anomaly, now = new Date()): void {
    if (this.pending.length >= MAX_PENDING) {
      this.options.logger.warn({ kind: anomaly.kind, deviceId: anomaly.deviceId }, 'anomaly dropped: too many waiting to be stored');
      return;
    }
    this.pending.push({
      _id: `${anomaly.kind}|${anomaly.deviceId}|${new Date(anomaly.windowStart).toISOString()}${anomaly.userId === undefined ? '' : `|${anomaly.userId}`}`,
      kind: anomaly.kind,
      deviceId: anomaly.deviceId,
      schoolId: anomaly.schoolId,
      ...(anomaly.userId === undefined ? {} : { userId: anomaly.userId }),
      windowStart: new Date(anomaly.windowStart),
      detectedAt: now,
      details: anomaly.details,
    });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.running = this.running.then(() => this.flush());
      }, this.options.flushMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const documents = this.pending;
    this.pending = [];
    try {
      await this.collection.insertMany(documents, { ordered: false });
    } catch (err) {
      // A window another replica flagged first is a duplicate key: already stored.
      const writeErrors: { code: number }[] = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
      const duplicatesOnly = writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
      if (!duplicatesOnly) this.options.logger.warn({ err, anomalies: documents.length }, 'could not store anomalies');
    }
  }
}
