import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoClientClosedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** Server error codes that mean "the database, not this document, has a problem": retry later. */
const OUTAGE_CODES = new Set([
  1, // InternalError: FerretDB reports backend (SQLite/PostgreSQL) failures this way
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True when an error says the database is unreachable or unwell (the batch
 * is retried later and nothing is dead-lettered), false when it says the
 * database refused this particular document.
 */
export function isOutage(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoServerClosedError ||
    err instanceof MongoClientClosedError ||
    err instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  if (isDuplicateKey(err)) return false;
  if (err instanceof MongoServerError) {
    return OUTAGE_CODES.has(Number(err.code)) || err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool');
  }
  // Other driver errors (invalid argument, document too large) are about the document.
  if (err instanceof MongoError || (err instanceof Error && err.name === 'BSONError')) return false;
  // Anything else is unexpected: retrying is safe, dead-lettering a good record is not.
  return true;
}

/**
 * A unique-index violation: 11000 on MongoDB and on FerretDB's PostgreSQL
 * backend; FerretDB's SQLite backend says code 1 "UNIQUE constraint failed"
 * for an update or upsert that collides.
 */
export const DUPLICATE_KEY_CODE = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && (err.code === DUPLICATE_KEY_CODE || (err.code === 1 && /UNIQUE constraint failed/i.test(err.message)));
}
