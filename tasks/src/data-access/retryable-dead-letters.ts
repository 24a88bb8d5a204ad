import { bulkWriteInChunks, DEAD_LETTER_COLLECTION, DEAD_LETTER_HEADER, type DeadLetter } from '@attendance/common/mongo';
import type { Producer } from 'kafkajs';
import type { Collection, Db } from 'mongodb';
import type { DeadLetterPort, RepublishPort } from '../domain/jobs/dead-letter-retry.ts';

export class RetryableDeadLetters implements DeadLetterPort {
  readonly collection: Collection<DeadLetter>;

  constructor(db: Db) {
    this.collection = db.collection<DeadLetter>(DEAD_LETTER_COLLECTION);
  }

  due(now: Date, limit: number): Promise<DeadLetter[]> {
    return this.collection
      .find({ status: 'pending', nextAttemptAt: { $lte: now } })
      .sort({ nextAttemptAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
  }

  async park(ids: string[], now: Date): Promise<void> {
    await this.collection.updateMany({ _id: { $in: ids }, status: 'pending' }, { $set: { status: 'parked', parkedAt: now, updatedAt: now } });
  }

  async scheduleNext(entries: { id: string; attempts: number; nextAttemptAt: Date }[], now: Date): Promise<void> {
    await bulkWriteInChunks(
      this.collection,
      entries.map(({ id, attempts, nextAttemptAt }) => ({
        updateOne: { filter: { _id: id }, update: { $set: { attempts, nextAttemptAt, updatedAt: now } } },
      })),
    );
  }
}

/** Puts dead letters back on the attendance topic, keyed by user like fresh records, with acks = all. */
export class KafkaRepublisher implements RepublishPort {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async republish(entries: DeadLetter[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: entries.map((entry) => {
        const record = entry.record;
        const key = typeof record === 'object' && record !== null && 'userId' in record ? String(record.userId) : null;
        return {
          key,
          value: typeof record === 'string' ? record : JSON.stringify(record),
          headers: { [DEAD_LETTER_HEADER]: entry._id },
        };
      }),
    });
  }
}
