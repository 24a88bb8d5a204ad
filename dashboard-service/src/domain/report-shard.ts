import { reportShardId } from '@attendance/common';
import type { ReportEffect } from './attendance-document.ts';

/**
 * A school's report for one day is kept as one shard per Kafka partition
 * (`_id` = `schoolId|day|partition`), summed when read.
 *
 * Why shards: a shard has exactly one writer (the consumer that owns the
 * partition), so its counters never see concurrent updates (FerretDB can lose
 * concurrent `$inc` on one document, and neither MongoDB nor FerretDB gives
 * us a transaction across documents). Each shard stores `offset`, the last
 * message applied to it; an update applies only messages past it and moves it
 * in the same single-document write, so a redelivered message can never be
 * counted twice.
 */
export type { ReportShard } from '@attendance/common';

export interface ShardDelta {
  id: string;
  schoolId: string;
  day: string;
  partition: number;
  checkIns: number;
  checkOuts: number;
  fevers: number;
  /** The watermark the shard must still have for this delta to apply. */
  fromOffset: number;
  /** The watermark after it. */
  toOffset: number;
}

export { reportShardId };

/**
 * Sums the effects of one partition's messages per shard, leaving out those a
 * shard has already applied (offset at or below its watermark).
 */
export function shardDeltas(effects: ReportEffect[], watermarks: Map<string, number>): ShardDelta[] {
  const deltas = new Map<string, ShardDelta>();
  for (const effect of effects) {
    const id = reportShardId(effect.schoolId, effect.day, effect.partition);
    const fromOffset = watermarks.get(id) ?? -1;
    if (effect.offset <= fromOffset) continue;
    let delta = deltas.get(id);
    if (!delta) {
      delta = { id, schoolId: effect.schoolId, day: effect.day, partition: effect.partition, checkIns: 0, checkOuts: 0, fevers: 0, fromOffset, toOffset: fromOffset };
      deltas.set(id, delta);
    }
    delta.checkIns += effect.checkIns;
    delta.checkOuts += effect.checkOuts;
    delta.fevers += effect.fevers;
    delta.toOffset = Math.max(delta.toOffset, effect.offset);
  }
  return [...deltas.values()];
}
