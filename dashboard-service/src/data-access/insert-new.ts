import { type Collection, MongoBulkWriteError, type OptionalUnlessRequiredId } from 'mongodb';
import { DUPLICATE_KEY_CODE, isOutage } from './mongo-errors.ts';

/** A write the server acknowledged only in part: treated as an outage and retried. */
class IncompleteWriteError extends Error {
  override name = 'IncompleteWriteError';
}

/**
 * FerretDB, stopped while a write command runs, can answer "ok" for
 * statements it never applied. Counting what the server says it wrote turns
 * that into an outage (the batch is retried) instead of a lost record.
 */
function assertAllWritten(operation: string, written: number, expected: number): void {
  if (written !== expected) throw new IncompleteWriteError(`${operation}: the server acknowledged ${written} of ${expected} documents`);
}

export interface InsertOutcome {
  /** Ids that existed already (duplicate key): left untouched. */
  existing: string[];
  /** Documents the database refused for their content. */
  refused: { id: string; error: { code: string; message: string } }[];
}

/**
 * Inserts documents whose `_id` must not exist yet, in one unordered
 * `insertMany`. Throws on outages (and on a write acknowledged only in part),
 * which the caller retries.
 */
export async function insertNew<T extends { _id: string }>(collection: Collection<T>, documents: T[]): Promise<InsertOutcome> {
  try {
    const result = await collection.insertMany(documents as OptionalUnlessRequiredId<T>[], { ordered: false });
    assertAllWritten('insert', result.insertedCount, documents.length);
    return { existing: [], refused: [] };
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError) || isOutage(err)) throw err;
    const errors = err.writeErrors instanceof Array ? err.writeErrors : [err.writeErrors];
    assertAllWritten('insert', err.result.insertedCount + errors.length, documents.length);
    const existing: string[] = [];
    const refused: InsertOutcome['refused'] = [];
    for (const writeError of errors) {
      const id = documents[writeError.index]?._id;
      if (id === undefined) continue;
      if (writeError.code === DUPLICATE_KEY_CODE) existing.push(id);
      else refused.push({ id, error: { code: 'rejected-by-database', message: writeError.errmsg ?? 'refused' } });
    }
    return { existing, refused };
  }
}
