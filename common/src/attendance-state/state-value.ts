import { fnv1a16 } from './state-keys.ts';

/**
 * The value of a user's field: one integer per user per day that says which
 * events are recorded, at which minute, at which school (as a small
 * fingerprint), and whether the last event is still being published.
 *
 * Confirmed values are what Redis keeps all day, so they stay inside the
 * integer ranges Redis's listpack stores most compactly:
 * - checked in: `-4096 + 1440 * school + in`, in -4096..3103, the 13-bit
 *   range (2 bytes, as the bare minute was before);
 * - checked in and out: `4096 + in + 1440 * out`, in 4096..2077695, the
 *   24-bit range (4 bytes, as `in + 1440 * (out + 1)` was before). A finished
 *   day needs no school: nothing is decided by it any more.
 *
 * A pending value (claimed, not yet acknowledged by Kafka) lives only for
 * the duration of one publish, so it may be large: `2^24 * (since + 1) +
 * times * 5 + school`, with `since` the claim time (Redis clock, ms modulo
 * 2^28, about 74 hours, longer than any state key lives) and `times` =
 * `in + 1440 * (out + 1)` for a pending check-out, `in` for a pending
 * check-in. It stays below 2^53, so Lua and JavaScript numbers hold it exactly.
 *
 * The Lua scripts decode and encode with the same constants: they are
 * prepended to every script from {@link stateValueLuaConstants}.
 */
export const MINUTES_PER_DAY = 1440;

/**
 * How many school fingerprints a checked-in value can tell apart. Five is all
 * the 13-bit range holds next to 1,440 minutes; a check-out at another school
 * that shares the fingerprint (1 chance in 5) is not caught.
 */
export const SCHOOL_FINGERPRINTS = 5;

const CHECKED_IN_BASE = -4096;
const CHECKED_OUT_BASE = 4096;
const PENDING_SPAN = 2 ** 24;
/** Claim times are milliseconds modulo this: about 74 hours. */
export const CLAIM_CLOCK_MODULUS = 2 ** 28;

/** The values every Lua script is built with, so TypeScript and Lua cannot disagree. */
export const stateValueLuaConstants = {
  MINUTES: MINUTES_PER_DAY,
  SCHOOLS: SCHOOL_FINGERPRINTS,
  IN_BASE: CHECKED_IN_BASE,
  OUT_BASE: CHECKED_OUT_BASE,
  SPAN: PENDING_SPAN,
  CLOCK: CLAIM_CLOCK_MODULUS,
};

/** What a user's field says about their day. */
export interface AttendanceStateValue {
  checkInMinute: number;
  checkOutMinute?: number;
  /** The check-in's school fingerprint; unknown once a confirmed day is finished. */
  school?: number;
  /** Set while the last event is claimed but not confirmed: the claim time (ms modulo {@link CLAIM_CLOCK_MODULUS}). */
  pendingSince?: number;
}

/** 0..4, the same for a school in every process. */
export function schoolFingerprint(schoolId: string): number {
  return fnv1a16(schoolId) % SCHOOL_FINGERPRINTS;
}

/** The confirmed value of a recorded day: what the rebuild job writes from MongoDB. */
export function encodeConfirmedState(state: { checkInMinute: number; checkOutMinute?: number | undefined; schoolId: string }): number {
  if (state.checkOutMinute !== undefined) return CHECKED_OUT_BASE + state.checkInMinute + MINUTES_PER_DAY * state.checkOutMinute;
  return CHECKED_IN_BASE + state.checkInMinute + MINUTES_PER_DAY * schoolFingerprint(state.schoolId);
}

export function decodeState(value: number): AttendanceStateValue {
  if (value >= PENDING_SPAN) {
    const payload = value % PENDING_SPAN;
    const times = Math.floor(payload / SCHOOL_FINGERPRINTS);
    const out = Math.floor(times / MINUTES_PER_DAY);
    return {
      checkInMinute: times % MINUTES_PER_DAY,
      ...(out > 0 ? { checkOutMinute: out - 1 } : {}),
      school: payload % SCHOOL_FINGERPRINTS,
      pendingSince: Math.floor(value / PENDING_SPAN) - 1,
    };
  }
  if (value >= CHECKED_OUT_BASE) {
    const times = value - CHECKED_OUT_BASE;
    return { checkInMinute: times % MINUTES_PER_DAY, checkOutMinute: Math.floor(times / MINUTES_PER_DAY) };
  }
  const times = value - CHECKED_IN_BASE;
  return { checkInMinute: times % MINUTES_PER_DAY, school: Math.floor(times / MINUTES_PER_DAY) };
}
