import { bulkWriteInChunks, DEAD_LETTER_COLLECTION, type DeadLetter, ensureIndexes } from '@attendance/common/mongo';
import type { Collection, Db } from 'mongodb';
import type { DeadLetterInput, DeadLetterRecorder } from '../domain/store-messages.ts';

export function deadLetterCollection(db: Db): Collection<DeadLetter> {
  return db.collection<DeadLetter>(DEAD_LETTER_COLLECTION);
}

export class DeadLetterQueue implements DeadLetterRecorder {
  readonly collection: Collection<DeadLetter>;

  constructor(db: Db) {
    this.collection = deadLetterCollection(db);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.collection, [{ key: { status: 1, nextAttemptAt: 1 }, options: { name: 'status_due' } }]);
  }

  /** Inserts each entry once: a poison message delivered again keeps its one entry (`_id` = topic:partition:offset). */
  async add(letters: DeadLetterInput[], now: Date): Promise<void> {
    await bulkWriteInChunks(
      this.collection,
      letters.map((letter) => ({
        updateOne: {
          filter: { _id: letter.id },
          update: {
            $setOnInsert: {
              record: letter.record,
              error: letter.error,
              source: letter.source,
              attempts: 0,
              status: 'pending' as const,
              createdAt: now,
              updatedAt: now,
              nextAttemptAt: now,
            },
          },
          upsert: true,
        },
      })),
    );
  }

  async markResolved(ids: string[], now: Date): Promise<void> {
    for (const id of ids) {
      await this.collection.updateOne({ _id: id }, { $set: { status: 'resolved', resolvedAt: now, updatedAt: now } });
    }
  }

  async markFailed(id: string, error: { code: string; message: string }, now: Date): Promise<void> {
    // Only a pending entry: a late failure report must not revive a parked or resolved one.
    await this.collection.updateOne({ _id: id, status: 'pending' }, { $set: { error, lastFailedAt: now, updatedAt: now } });
  }
}
