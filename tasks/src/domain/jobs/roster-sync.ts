import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobSummary } from '../job-runner.ts';
import { writeWhileReading } from './write-while-reading.ts';

export interface RosterStudent {
  userId: string;
  schoolId: string;
}

export interface RosterSource {
  /** Streams every student of the roster in pages. */
  forEachPage(pageSize: number, onPage: (page: RosterStudent[]) => Promise<void>): Promise<void>;
}

export interface RosterWriter {
  /** A generation no other sync has used. */
  nextGeneration(): Promise<number>;
  write(generation: number, students: RosterStudent[]): Promise<void>;
  /** Makes the generation the one readers use. */
  publish(generation: number): Promise<void>;
  /** Removes every generation but `keep`; returns the keys removed. */
  removeOtherGenerations(keep: number): Promise<number>;
}

/** Redis pipelines in flight while the next page is read. */
const WRITES_IN_FLIGHT = 4;

/**
 * Copies the roster (`students`: who belongs to which school) into Redis,
 * where attendance-service looks each check-in's student up without a
 * database read, to flag students not on their school's roster. A new
 * generation is written in full, then published, then the old ones are
 * removed once every reader has had time to switch (twice their refresh
 * interval): readers see the old roster or the new one, never half of one
 * and never a removed one.
 * An empty roster is not published (every check-in would be flagged).
 */
export function rosterSyncJob(
  source: RosterSource,
  writer: RosterWriter,
  options: { pageSize: number; onProgress?: (students: number) => void; readersRefreshMs: number },
): Job {
  return {
    name: 'roster-sync',
    async run(): Promise<JobSummary> {
      const generation = await writer.nextGeneration();
      let students = 0;
      await writeWhileReading<RosterStudent>(
        (onPage) => source.forEachPage(options.pageSize, onPage),
        async (page) => {
          students += page.length;
          options.onProgress?.(students);
          await writer.write(generation, page);
        },
        WRITES_IN_FLIGHT,
      );
      if (students === 0) {
        return { items: 0, generation, published: false };
      }
      await writer.publish(generation);
      // Readers look the old generation up until they re-read which one is current.
      await sleep(2 * options.readersRefreshMs);
      const removedKeys = await writer.removeOtherGenerations(generation);
      return { items: students, generation, published: true, removedKeys };
    },
  };
}
