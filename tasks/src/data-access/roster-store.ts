import { type StudentDocument, STUDENTS_COLLECTION } from '@attendance/common/mongo';
import { generationOfRosterKey, rosterCurrentKey, rosterGenerationKey, rosterKeysPattern, rosterLocation, rosterSchoolMark } from '@attendance/common/redis';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { RosterSource, RosterStudent, RosterWriter } from '../domain/jobs/roster-sync.ts';
import { forEachPageOf } from './cursor-pages.ts';
import { scanKeys } from './scan-keys.ts';

/** The whole roster with one cursor, in natural order (no sort: FerretDB would sort ten million documents in memory). */
export class MongoRosterSource implements RosterSource {
  constructor(private readonly db: Db) {}

  async forEachPage(pageSize: number, onPage: (page: RosterStudent[]) => Promise<void>): Promise<void> {
    const cursor = this.db.collection<StudentDocument>(STUDENTS_COLLECTION).find({}, { projection: { schoolId: 1 }, batchSize: pageSize });
    await forEachPageOf(
      (async function* () {
        for await (const student of cursor) yield { userId: student._id, schoolId: student.schoolId };
      })(),
      pageSize,
      onPage,
    );
  }
}

export class RedisRosterWriter implements RosterWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  nextGeneration(): Promise<number> {
    return this.redis.incr(rosterGenerationKey(this.keyPrefix));
  }

  async write(generation: number, students: RosterStudent[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { userId, schoolId } of students) {
      const { key, field } = rosterLocation(this.keyPrefix, generation, userId);
      pipeline.hset(key, field, rosterSchoolMark(schoolId));
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async publish(generation: number): Promise<void> {
    await this.redis.set(rosterCurrentKey(this.keyPrefix), generation);
  }

  async removeOtherGenerations(keep: number): Promise<number> {
    let removed = 0;
    await scanKeys(this.redis, rosterKeysPattern(this.keyPrefix), async (keys) => {
      const stale = keys.filter((key) => generationOfRosterKey(this.keyPrefix, key) !== keep);
      if (stale.length > 0) removed += await this.redis.unlink(...stale);
    });
    return removed;
  }
}
