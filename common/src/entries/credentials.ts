/**
 * `@attendance/common/credentials`: device keys and staff tokens: secrets and
 * their hashes, the documents, create/list/revoke, and the in-memory cache the
 * services authenticate from (bearer authentication itself is in
 * `@attendance/common/http`). Loads the mongodb driver.
 */
export * from '../credentials/credential-cache.ts';
export * from '../credentials/credential-documents.ts';
export * from '../credentials/credential-secret.ts';
export * from '../credentials/credential-store.ts';
