import type { Db } from 'mongodb';

/**
 * What the benchmark reads back from the dashboard's collections: only the
 * fields DESIGN.md makes part of the contract (one `attendances` document per
 * user and day, `_id` = `userId|day`; `reports` shards per school, day and
 * partition). Declared here because the dashboard keeps its document types in
 * its own domain code, which a script must not import.
 */
export interface StoredAttendance {
  _id: string;
  userId: string;
  schoolId: string;
  day: string;
  checkIn?: { recordId: string };
  checkOut?: { recordId: string };
  feverSource?: string;
}

export interface StoredReportShard {
  _id: string;
  schoolId: string;
  day: string;
  checkIns: number;
  checkOuts: number;
  fevers: number;
}

export const ATTENDANCES_COLLECTION = 'attendances';
export const REPORTS_COLLECTION = 'reports';

export const attendanceIdOf = (userId: string, day: string): string => `${userId}|${day}`;

/**
 * Single-document reads in parallel: FerretDB pushes an `_id` equality down to
 * its backend but scans the collection for `$in`, so this costs what the run
 * holds, not what the database holds.
 */
const READ_CONCURRENCY = 16;

export async function loadAttendances(db: Db, ids: string[]): Promise<Map<string, StoredAttendance>> {
  const collection = db.collection<StoredAttendance>(ATTENDANCES_COLLECTION);
  const found = new Map<string, StoredAttendance>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const document = await collection.findOne({ _id: id }, { projection: { userId: 1, schoolId: 1, day: 1, checkIn: 1, checkOut: 1, feverSource: 1 } });
      if (document) found.set(id, document);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, worker));
  return found;
}
