import { MongoClient, type AnyBulkWriteOperation, type BulkWriteResult, type Collection, type CreateIndexesOptions, type Db, type Document, type Filter, type IndexSpecification, type MongoClientOptions } from 'mongodb';
import pMap from 'p-map';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

/**
 * Creates the indexes a collection is missing. Asking for an index that
 * exists is harmless on MongoDB but takes FerretDB's metadata write lock, so
 * services check first and start without touching a busy database.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, wanted: { key: IndexSpecification; options: CreateIndexesOptions & { name: string } }[]): Promise<void> {
  const indexes: { name?: unknown }[] = await collection.listIndexes().toArray().catch(() => []);
  const existing = new Set(indexes.map((index) => String(index.name)));
  for (const { key, options } of wanted) {
    if (!existing.has(options.name)) await collection.createIndex(key, options);
  }
}

/**
 * Update statements per write command. Released FerretDB v1 keeps every
 * statement's read connection open until the whole command ends, so a
 * command with as many updates as its backend pool has connections (50 on
 * PostgreSQL) waits forever for a connection it holds itself, and the pool
 * stays used up for every client. The local stack's build closes them per
 * statement (stack/stack.sh), but the code must not depend on that: 25 keeps
 * a wide margin and costs MongoDB nothing noticeable.
 */
export const MAX_UPDATES_PER_COMMAND = 25;

/**
 * `bulkWrite` in commands of at most {@link MAX_UPDATES_PER_COMMAND}
 * statements. With `parallel` > 1, that many commands run at once: only for
 * statements on distinct documents, whose order does not matter.
 */
export function bulkWriteInChunks<T extends Document>(collection: Collection<T>, operations: AnyBulkWriteOperation<T>[], parallel = 1): Promise<BulkWriteResult[]> {
  return pMap(chunksOf(operations, MAX_UPDATES_PER_COMMAND), (chunk) => collection.bulkWrite(chunk, { ordered: true }), { concurrency: parallel });
}

/** `items` in consecutive slices of at most `size` (one database command each). */
export function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * The longest a read may run on the server (`maxTimeMS`). Past it the server
 * cancels the query: a query whose client has given up must not keep
 * holding a backend connection (on FerretDB, a PostgreSQL connection), or
 * periodic reads can pile up until the store answers nobody.
 */
export const READ_TIME_LIMIT_MS = 5_000;

/** The bound of a cursor an export walks over a whole school-day (ten thousand documents and more). */
export const EXPORT_TIME_LIMIT_MS = 60_000;

/**
 * Reads documents by `_id`, one `findOne` each with at most `concurrency` in
 * flight. FerretDB answers an `_id` equality from its index but reads the
 * whole collection for `$in`, so this costs what is asked for, not what the
 * collection holds (on MongoDB it is merely a little slower than `$in`).
 */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: string[],
  options: { concurrency?: number; projection?: Document; /** After each id read, with how many are read so far. */ onRead?: (done: number) => void } = {},
): Promise<Map<string, T>> {
  const readOptions = { maxTimeMS: READ_TIME_LIMIT_MS, ...(options.projection ? { projection: options.projection } : {}) };
  const found = new Map<string, T>();
  let done = 0;
  await pMap(
    ids,
    async (id) => {
      const document = (await collection.findOne({ _id: id } as Filter<T>, readOptions)) as T | null;
      if (document) found.set(id, document);
      done += 1;
      options.onRead?.(done);
    },
    { concurrency: options.concurrency ?? 8 },
  );
  return found;
}

/** Connects and pings; the database is the one named in the URL's path. */
export async function connectMongo(url: string, options: MongoClientOptions = {}): Promise<MongoConnection> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    appName: 'attendance-platform',
    // FerretDB v1 serves each database from a bounded pool of backend
    // connections; a client that fills it while an index or database is
    // created can deadlock it. Ten connections per process is plenty (writes
    // are batched) and keeps every process well below that.
    maxPoolSize: 10,
    ...options,
  });
  await client.connect();
  const db = client.db();
  await db.command({ ping: 1 });
  return { client, db };
}
