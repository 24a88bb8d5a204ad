/**
 * Groups single operations into batches: one Redis pipeline, one Kafka send,
 * one MongoDB bulk write, instead of one round trip per item.
 *
 * - A batch flushes when it holds `maxItems`, or `lingerMs` after its first item.
 * - At most `maxInFlight` flushes run at once. While all slots are busy, a due
 *   batch keeps growing (up to `maxItems`) instead of queueing many tiny ones,
 *   which is what makes batches larger exactly when load is higher.
 * - At most `maxQueued` items wait for a flush; past that `push()` either waits
 *   for room (`onFull: 'wait'`) or fails fast with {@link BufferFullError}
 *   (`onFull: 'reject'`, for HTTP handlers that should shed load with a 503).
 * - Each pushed item's promise settles with its own batch's outcome: the
 *   item's entry of the array `flush` returns, or the error `flush` threw.
 * - `close()` stops new pushes, flushes what is buffered and waits for every
 *   in-flight flush.
 */
export interface BulkBufferOptions<T, R> {
  /** Used in error messages and metrics. */
  name: string;
  maxItems: number;
  lingerMs: number;
  maxInFlight: number;
  maxQueued: number;
  onFull?: 'wait' | 'reject';
  /** Writes one batch; returns one result per item, in order. */
  flush: (items: T[]) => Promise<R[]>;
  /** Called after every flush, for metrics and logs. */
  onFlush?: ((outcome: FlushOutcome) => void) | undefined;
}

export interface FlushOutcome {
  name: string;
  items: number;
  seconds: number;
  error?: unknown;
}

export class BufferFullError extends Error {
  override name = 'BufferFullError';
}

export class BufferClosedError extends Error {
  override name = 'BufferClosedError';
}

interface Entry<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class BulkBuffer<T, R> {
  private current: Entry<T, R>[] = [];
  private readonly full: Entry<T, R>[][] = [];
  private currentDue = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlightCount = 0;
  private queuedCount = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly options: Required<Omit<BulkBufferOptions<T, R>, 'onFlush'>> & Pick<BulkBufferOptions<T, R>, 'onFlush'>;

  constructor(options: BulkBufferOptions<T, R>) {
    if (options.maxItems < 1 || options.maxInFlight < 1 || options.maxQueued < options.maxItems || options.lingerMs < 0) {
      throw new RangeError(`${options.name}: need maxItems >= 1, maxInFlight >= 1, maxQueued >= maxItems, lingerMs >= 0`);
    }
    this.options = { onFull: 'wait', ...options };
  }

  /** Items buffered and not yet handed to `flush`. */
  get queued(): number {
    return this.queuedCount;
  }

  /** Flushes currently running. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  async push(item: T): Promise<R> {
    while (this.queuedCount >= this.options.maxQueued) {
      if (this.closed) break;
      if (this.options.onFull === 'reject') throw new BufferFullError(`${this.options.name}: buffer full`);
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.closed) throw new BufferClosedError(`${this.options.name}: closed`);
    return new Promise<R>((resolve, reject) => {
      this.current.push({ item, resolve, reject });
      this.queuedCount += 1;
      if (this.current.length >= this.options.maxItems) {
        this.full.push(this.current);
        this.current = [];
        this.currentDue = false;
        this.clearTimer();
      } else if (this.current.length === 1) {
        this.startTimer();
      }
      this.pump();
    });
  }

  /** Stops accepting items, flushes everything buffered, and resolves when no flush is running. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.currentDue = true;
    this.clearTimer();
    for (const wake of this.roomWaiters.splice(0)) wake();
    this.pump();
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.inFlightCount === 0 && this.queuedCount === 0;
  }

  private startTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.currentDue = true;
      this.pump();
    }, this.options.lingerMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (this.inFlightCount < this.options.maxInFlight) {
      let batch = this.full.shift();
      if (!batch && this.currentDue && this.current.length > 0) {
        batch = this.current;
        this.current = [];
        this.currentDue = false;
      }
      if (!batch) break;
      this.queuedCount -= batch.length;
      this.inFlightCount += 1;
      void this.run(batch);
    }
    while (this.roomWaiters.length > 0 && this.queuedCount < this.options.maxQueued) this.roomWaiters.shift()?.();
    if (this.isIdle()) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async run(batch: Entry<T, R>[]): Promise<void> {
    const started = process.hrtime.bigint();
    let error: unknown;
    try {
      const results = await this.options.flush(batch.map((entry) => entry.item));
      if (results.length !== batch.length) {
        throw new Error(`${this.options.name}: flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((entry, i) => entry.resolve(results[i] as R));
    } catch (err) {
      error = err;
      for (const entry of batch) entry.reject(err);
    } finally {
      this.inFlightCount -= 1;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.onFlush?.({ name: this.options.name, items: batch.length, seconds, ...(error === undefined ? {} : { error }) });
      // A slot is free: a batch that became due while every slot was busy goes out now.
      this.pump();
    }
  }
}
