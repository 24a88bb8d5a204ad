import { READ_TIME_LIMIT_MS, type SchoolDocument, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import type { Db } from 'mongodb';

/**
 * The roster's school ids in memory, so a record's school is checked without
 * a database round trip. Read again with the device keys (`refresh`, called
 * by their cache before each read of the keys), so a school is known before
 * any key made for it is.
 */
export class KnownSchools {
  private ids = new Set<string>();

  constructor(private readonly db: Db) {}

  has(schoolId: string): boolean {
    return this.ids.has(schoolId);
  }

  async refresh(): Promise<void> {
    const schools = await this.db.collection<SchoolDocument>(SCHOOLS_COLLECTION).find({}, { projection: { _id: 1 }, maxTimeMS: READ_TIME_LIMIT_MS }).toArray();
    this.ids = new Set(schools.map((school) => school._id));
  }
}
