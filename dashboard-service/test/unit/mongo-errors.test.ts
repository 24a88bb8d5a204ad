import { BSON, MongoInvalidArgumentError, MongoNetworkError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { isDuplicateKey, isOutage } from '../../src/data-access/mongo-errors.ts';

const serverError = (code: number, errmsg = 'refused', errorLabels: string[] = []) => new MongoServerError({ ok: 0, code, errmsg, errorLabels });

describe('isOutage: the store is unwell (retry the batch) or it refused the document (dead-letter it)', () => {
  it.each([
    ['a lost connection', new MongoNetworkError('connection reset')],
    ['no server to select', new MongoServerSelectionError('Server selection timed out after 5000 ms', { servers: new Map() } as never)],
    ['a closed topology', new MongoTopologyClosedError()],
    ['a FerretDB backend failure (code 1)', serverError(1, 'backend: connection refused')],
    ['a shutdown in progress (91)', serverError(91)],
    ['a query over its time limit (262)', serverError(262)],
    ['a server error labelled retryable', serverError(999, 'anything', ['RetryableWriteError'])],
    ['an unexpected error that is not the driver’s', new Error('socket hang up')],
  ])('counts %s as an outage', (_, err) => {
    expect(isOutage(err)).toBe(true);
  });

  it.each([
    ['a duplicate key (11000)', serverError(11000, 'E11000 duplicate key error')],
    ['a SQLite unique violation reported as code 1', serverError(1, 'UNIQUE constraint failed: attendances._id')],
    ['a document that fails validation (121)', serverError(121, 'Document failed validation')],
    ['an invalid argument', new MongoInvalidArgumentError('bad filter')],
    ['a document BSON cannot encode', new BSON.BSONError('document is larger than the maximum size')],
  ])('counts %s as the document’s fault', (_, err) => {
    expect(isOutage(err)).toBe(false);
  });

  it('tells a duplicate key from other server errors', () => {
    expect(isDuplicateKey(serverError(11000))).toBe(true);
    expect(isDuplicateKey(serverError(1, 'UNIQUE constraint failed'))).toBe(true);
    expect(isDuplicateKey(serverError(1, 'backend: connection refused'))).toBe(false);
    expect(isDuplicateKey(new Error('E11000'))).toBe(false);
  });
});
