import { addCounts, countKeys, emptyCounts, type PartitionReport, partitionReportId, type SchoolCounts } from '@attendance/common/records';
import type { ReportEffect } from './attendance-document.ts';

export type { PartitionReport } from '@attendance/common/records';
export { partitionReportId };

/**
 * The effects of a batch grouped by the report they belong to: one document
 * per day and partition (usually one per batch; two when late records of
 * yesterday arrive with today's).
 */
export function groupByReport(effects: ReportEffect[]): Map<string, ReportEffect[]> {
  const groups = new Map<string, ReportEffect[]>();
  for (const effect of effects) {
    const id = partitionReportId(effect.day, effect.partition);
    const group = groups.get(id);
    if (group) group.push(effect);
    else groups.set(id, [effect]);
  }
  return groups;
}

/**
 * The report after the effects past its watermark (`offset`), as a new
 * document (the stored one is not touched: it stays the expected state of the
 * conditional write). Undefined when nothing changes a count, so a batch of
 * duplicates or of already-applied messages writes nothing.
 *
 * All effects must be of the report's day and partition.
 */
export function addEffects(report: PartitionReport, effects: ReportEffect[], now: Date): PartitionReport | undefined {
  const schools: Record<string, SchoolCounts> = { ...report.schools };
  const copied = new Set<string>();
  let offset = report.offset;
  let changed = false;
  for (const effect of effects) {
    if (effect.offset <= report.offset) continue;
    offset = Math.max(offset, effect.offset);
    // A correction's effect can hold +1 and -1 at once: only all zeros change nothing.
    if (countKeys.every((key) => effect[key] === 0)) continue;
    let counts = schools[effect.schoolId];
    if (!counts || !copied.has(effect.schoolId)) {
      counts = addCounts(emptyCounts(), counts ?? {});
      schools[effect.schoolId] = counts;
      copied.add(effect.schoolId);
    }
    addCounts(counts, effect);
    changed = true;
  }
  return changed ? { ...report, schools, offset, updatedAt: now } : undefined;
}

export function emptyReport(day: string, partition: number, now: Date): PartitionReport {
  return { _id: partitionReportId(day, partition), day, partition, offset: -1, schools: {}, updatedAt: now };
}
