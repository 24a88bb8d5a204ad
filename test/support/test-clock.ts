/**
 * One day per test run. Tests compute "today" and time their records "now",
 * and the services they start in this process decide days with the same
 * clock (`Date`), in `ATTENDANCE_TIMEZONE` (UTC in tests). A run that
 * straddles midnight UTC would see two days: a record sent at 00:00:05 is
 * not in the day a test computed at 23:59:50. So this process's clock is set
 * back, when the real time is within {@link RUN_HEADROOM_MS} of the next
 * midnight UTC, to that much before it; anywhere else it is the real time.
 * The shift is constant (the clock still runs at real speed), timers and
 * `performance.now()` are untouched, and the local time zone (`TZ`) plays no
 * part. `TEST_CLOCK_OFFSET_MS` sets the shift instead (0: the real clock).
 * Loaded by vitest as a setup file, before any test module.
 */
const DAY_MS = 86_400_000;
/** The longest a test run (or a file of it) is expected to take. */
export const RUN_HEADROOM_MS = 30 * 60_000;

export function clockOffsetMs(realNow: number, override = process.env.TEST_CLOCK_OFFSET_MS): number {
  if (override !== undefined && override !== '') return Number(override);
  const untilMidnight = DAY_MS - (realNow % DAY_MS);
  return untilMidnight < RUN_HEADROOM_MS ? untilMidnight - RUN_HEADROOM_MS : 0;
}

const RealDate = globalThis.Date;
const offset = clockOffsetMs(RealDate.now());

if (offset !== 0) {
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }

    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
