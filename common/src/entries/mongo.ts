/**
 * `@attendance/common/mongo`: the MongoDB client and its helpers (indexes,
 * chunked bulk writes, reads by id, time limits), the roster's and the dead
 * letters' documents and collections. Loads the mongodb driver. The records'
 * own documents and collections are in `@attendance/common/records`, which
 * loads no driver.
 */
export * from '../dead-letter.ts';
export * from '../mongo-client.ts';
export * from '../roster.ts';
