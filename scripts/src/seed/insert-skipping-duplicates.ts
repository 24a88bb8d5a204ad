import { MongoBulkWriteError, type Collection, type Document, type OptionalUnlessRequiredId, type WriteError } from 'mongodb';

export interface InsertCounts {
  inserted: number;
  /** Documents whose `_id` was already there (an earlier run): skipped, not overwritten. */
  existing: number;
}

const DUPLICATE_KEY = 11000;

/**
 * One unordered `insertMany`: every new document goes in even when others in
 * the chunk already exist, and duplicate-key errors count as "already there".
 * Inserts, not upserts, because FerretDB inserts fast and updates slowly; any
 * other write error is thrown.
 */
export async function insertSkippingDuplicates<T extends Document>(collection: Collection<T>, documents: OptionalUnlessRequiredId<T>[]): Promise<InsertCounts> {
  if (documents.length === 0) return { inserted: 0, existing: 0 };
  try {
    const result = await collection.insertMany(documents, { ordered: false });
    return { inserted: result.insertedCount, existing: 0 };
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors: WriteError[] = ([] as WriteError[]).concat(err.writeErrors);
    const other = writeErrors.find((writeError) => writeError.code !== DUPLICATE_KEY);
    if (other || writeErrors.length === 0) throw err;
    // A server that stopped at the first error (ignoring `ordered: false`) would leave documents neither inserted nor reported.
    if (err.insertedCount + writeErrors.length !== documents.length) {
      throw new Error(`insertMany took ${err.insertedCount} and refused ${writeErrors.length} of ${documents.length} documents: the server did not continue past a duplicate`, { cause: err });
    }
    return { inserted: err.insertedCount, existing: writeErrors.length };
  }
}
