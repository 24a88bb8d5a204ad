import { ensureIndexes, findByIds } from '@attendance/common';
import type { Collection, Db } from 'mongodb';
import type { ReportShard, ShardDelta } from '../domain/report-shard.ts';
import type { ReportStore } from '../domain/store-messages.ts';
import { isDuplicateKey } from './mongo-errors.ts';

export interface DailyTotals {
  schoolId: string;
  day: string;
  checkIns: number;
  checkOuts: number;
  fevers: number;
}

export class ReportRepository implements ReportStore {
  readonly collection: Collection<ReportShard>;

  constructor(db: Db) {
    this.collection = db.collection<ReportShard>('reports');
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.collection, [
      { key: { day: 1, schoolId: 1 }, options: { name: 'day_school' } },
      { key: { schoolId: 1, day: 1 }, options: { name: 'school_day' } },
    ]);
  }

  async watermarks(shardIds: string[]): Promise<Map<string, number>> {
    const shards = await findByIds(this.collection, shardIds, { projection: { offset: 1 } });
    return new Map([...shards].map(([id, shard]) => [id, shard.offset]));
  }

  /**
   * One conditional single-document write: matches only while the watermark
   * is still `fromOffset`, adds the counts and moves the watermark. A new
   * shard (`fromOffset` -1) is created by the upsert; if someone else created
   * or moved it meanwhile, nothing matches, the upsert hits the unique `_id`
   * and we report the race instead of counting.
   */
  async apply(delta: ShardDelta, now: Date): Promise<boolean> {
    try {
      const result = await this.collection.updateOne(
        { _id: delta.id, offset: delta.fromOffset },
        {
          $inc: { checkIns: delta.checkIns, checkOuts: delta.checkOuts, fevers: delta.fevers },
          $set: { schoolId: delta.schoolId, day: delta.day, partition: delta.partition, offset: delta.toOffset, updatedAt: now },
        },
        { upsert: true },
      );
      return result.matchedCount === 1 || result.upsertedCount === 1;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * Per-school totals of each day in `[from, to]`, summed over the partition
   * shards here rather than with `$group`: FerretDB v1 returns wrong sums for a
   * `$group` with several `$sum` accumulators (only the first one is right).
   */
  async dailyTotals(filter: { schoolId?: string; from: string; to: string }): Promise<DailyTotals[]> {
    const days = filter.from === filter.to ? { day: filter.from } : { day: { $gte: filter.from, $lte: filter.to } };
    const shards = this.collection.find(filter.schoolId === undefined ? days : { ...days, schoolId: filter.schoolId }, {
      projection: { schoolId: 1, day: 1, checkIns: 1, checkOuts: 1, fevers: 1 },
    });
    const totals = new Map<string, DailyTotals>();
    for await (const shard of shards) {
      const key = `${shard.schoolId}|${shard.day}`;
      const total = totals.get(key) ?? { schoolId: shard.schoolId, day: shard.day, checkIns: 0, checkOuts: 0, fevers: 0 };
      total.checkIns += shard.checkIns;
      total.checkOuts += shard.checkOuts;
      total.fevers += shard.fevers;
      totals.set(key, total);
    }
    return [...totals.values()];
  }
}
