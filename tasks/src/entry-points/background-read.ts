import type { Logger } from '@attendance/common/config';

export interface BackgroundReadOptions {
  /** Time between the end of one read and the start of the next. */
  intervalMs: number;
  /** A read taking longer is reported as failed; the next one still waits until it has really ended. */
  timeoutMs: number;
}

/**
 * A periodic read of the store (a count, a SCAN) done in the background, so
 * a metrics scrape reads the last value and never waits on the store
 * (DESIGN.md "Store etiquette"). Single-flight: the next read starts only
 * after the previous one has ended, even one that overran its timeout, so a
 * slow store never sees these reads pile up. `read` gets the deadline and
 * should stop by it where it can (a SCAN loop, `maxTimeMS`).
 */
export class BackgroundRead<T> {
  private value: T | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly read: (deadline: number) => Promise<T>,
    private readonly options: BackgroundReadOptions,
    private readonly logger: Logger,
    private readonly onFailure: (name: string) => void = () => undefined,
  ) {}

  /** The last value read, undefined until a read has succeeded. */
  latest(): T | undefined {
    return this.value;
  }

  /** Reads now, then every `intervalMs` after each read ends. */
  start(): void {
    if (this.stopped || this.inFlight || this.timer) return;
    this.runOnce();
  }

  /** Stops scheduling and waits for a read in flight (idempotent). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One read, bounded by the timeout; resolves when the read has really ended. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    let timedOut = false;
    // Reported as failed at the timeout, but the slot stays taken until the read itself ends.
    const timeout = setTimeout(() => {
      timedOut = true;
      this.failed(new Error(`no answer within ${this.options.timeoutMs} ms`));
    }, this.options.timeoutMs);
    timeout.unref();
    const deadline = Date.now() + this.options.timeoutMs;
    let reading: Promise<T>;
    try {
      reading = this.read(deadline);
    } catch (err) {
      reading = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.inFlight = reading
      .then(
        // A late answer is still the newest one there is: keep it.
        (value) => void (this.value = value),
        (err: unknown) => {
          if (!timedOut) this.failed(err);
        },
      )
      .finally(() => {
        clearTimeout(timeout);
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private failed(err: unknown): void {
    this.onFailure(this.name);
    this.logger.warn({ err, read: this.name }, `background read ${this.name} failed; metrics keep its last value`);
  }

  private runOnce(): void {
    void this.refresh().then(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.runOnce();
      }, this.options.intervalMs);
      this.timer.unref();
    });
  }
}
