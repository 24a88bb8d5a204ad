import type { Collection, Document } from 'mongodb';
import type { Logger } from 'pino';
import { bulkWriteInChunks, READ_TIME_LIMIT_MS } from '../mongo-client.ts';
import { BackgroundRefresh } from '../background-refresh.ts';
import { hashCredentialSecret } from './credential-secret.ts';

/** What every stored credential has; the rest (school, role) is mapped by the service. */
interface StoredCredential extends Document {
  _id: string;
  keyHash: string;
  revokedAt: Date | null;
}

export interface CredentialCacheOptions<D extends StoredCredential, E> {
  collection: Collection<D>;
  /** The cached entry of an active credential: what a request needs to know about its caller. */
  toEntry: (document: D) => E;
  /** The fields `toEntry` reads: only these are fetched (and decoded) on every refresh. */
  fields: string[];
  /** How often the active credentials are read again: a revocation takes effect within this (plus one read). */
  refreshMs: number;
  /** How often the `lastSeenAt` of the credentials used meanwhile is written, in one batch. */
  lastSeenFlushMs: number;
  /**
   * Read first on every refresh (the roster's schools): whatever the
   * credentials refer to is then at least as fresh as they are.
   */
  alsoRefresh?: () => Promise<void>;
  logger: Logger;
  now?: () => number;
}

/**
 * The active credentials of one collection, in memory by hash, so a request
 * is authenticated without a database round trip. The whole set is read
 * again every `refreshMs` in the background, one read at a time; a failed
 * read keeps the last set (the store being down must not lock every device
 * out) and is logged. `lastSeenAt` is collected in memory and written in one
 * batch per `lastSeenFlushMs`, never per request.
 */
export class CredentialCache<D extends StoredCredential, E extends { id: string }> {
  private byHash = new Map<string, E>();
  /** Credentials used since the last `lastSeenAt` write: the write stamps them with its own time (precision: the flush interval). */
  private seen = new Set<string>();
  private refreshedAt = 0;
  private stopped = false;
  private readonly now: () => number;
  private readonly refreshing: BackgroundRefresh;
  private readonly flushing: BackgroundRefresh;

  constructor(private readonly options: CredentialCacheOptions<D, E>) {
    this.now = options.now ?? Date.now;
    this.refreshing = new BackgroundRefresh(
      () => this.refresh(),
      options.refreshMs,
      (err) => options.logger.warn({ err, collection: options.collection.collectionName, ageMs: this.ageMs() }, 'could not refresh credentials, keeping the last set'),
    );
    // flushLastSeen logs its own failures and never throws.
    this.flushing = new BackgroundRefresh(() => this.flushLastSeen(), options.lastSeenFlushMs, () => undefined);
  }

  /** Reads the credentials once (start-up fails if the store cannot be read), then keeps them fresh. */
  async start(): Promise<void> {
    await this.refreshing.start();
    await this.flushing.start();
  }

  /** The entry of an active credential, or undefined (unknown, revoked, or not yet read). */
  find(secret: string): E | undefined {
    return this.byHash.get(hashCredentialSecret(secret));
  }

  markSeen(id: string): void {
    this.seen.add(id);
  }

  /** Milliseconds since the set was last read successfully. */
  ageMs(): number {
    return this.now() - this.refreshedAt;
  }

  size(): number {
    return this.byHash.size;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([this.refreshing.stop(), this.flushing.stop()]);
    await this.flushLastSeen();
  }

  private async refresh(): Promise<void> {
    await this.options.alsoRefresh?.();
    const projection = Object.fromEntries(['keyHash', 'revokedAt', ...this.options.fields].map((field) => [field, 1]));
    const documents = await this.options.collection.find({}, { projection, maxTimeMS: READ_TIME_LIMIT_MS }).toArray();
    const next = new Map<string, E>();
    for (const document of documents as D[]) {
      if (document.revokedAt === null || document.revokedAt === undefined) next.set(document.keyHash, this.options.toEntry(document));
    }
    this.byHash = next;
    this.refreshedAt = this.now();
  }

  private async flushLastSeen(): Promise<void> {
    if (this.seen.size === 0) return;
    const seen = this.seen;
    this.seen = new Set();
    const at = new Date(this.now());
    const operations = [...seen].map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { lastSeenAt: at } } } }));
    try {
      await bulkWriteInChunks(this.options.collection as unknown as Collection<StoredCredential>, operations);
    } catch (err) {
      this.options.logger.warn({ err, collection: this.options.collection.collectionName, credentials: operations.length }, 'could not write lastSeenAt');
    }
  }
}
