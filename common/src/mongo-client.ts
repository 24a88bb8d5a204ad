import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

/** Connects and pings; the database is the one named in the URL's path. */
export async function connectMongo(url: string, options: MongoClientOptions = {}): Promise<MongoConnection> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    appName: 'attendance-platform',
    ...options,
  });
  await client.connect();
  const db = client.db();
  await db.command({ ping: 1 });
  return { client, db };
}
