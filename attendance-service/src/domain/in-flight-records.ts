import type { AttendanceEvent } from '@attendance/common/records';

/**
 * The records of this process whose claim is pending, by user and day. A
 * request that meets a pending claim of its own process waits for it to
 * settle and asks again, so a duplicate inside a batch, or a device that
 * sent twice at once, gets its honest 409 instead of a 503.
 */
export class InFlightRecords {
  private readonly settling = new Map<string, Promise<void>>();

  /** Resolves when the user's pending record of this process has settled; undefined if there is none. */
  of(event: AttendanceEvent): Promise<void> | undefined {
    return this.settling.get(keyOf(event));
  }

  track(event: AttendanceEvent, work: Promise<unknown>): void {
    const key = keyOf(event);
    const settled: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.settling.set(key, settled);
    void settled.then(() => {
      if (this.settling.get(key) === settled) this.settling.delete(key);
    });
  }
}

const keyOf = (event: AttendanceEvent): string => `${event.day}|${event.userId}`;
