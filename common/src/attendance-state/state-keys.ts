/**
 * Every Redis key of the attendance state comes from here.
 *
 * One hash per day and bucket; one field per user; the value is the event
 * state (see state-value.ts). Keys carry the day, so
 * yesterday's state never collides with today's and can be removed alone.
 *
 * Bucketing keeps each hash small enough for Redis's compact listpack
 * encoding (`hash-max-listpack-entries 1024` in stack/redis.conf) and makes
 * the key carry as much of the id as possible, so the field stores little:
 * - numeric ids (`4711`): key holds `id / 1000`, field is `id % 1000` as an integer;
 * - ObjectIds (24 hex): key holds the first 22 hex digits, field is the last two as an integer (0-255);
 * - UUIDs: key holds the first 4 hex digits, field is the other 28 as 14 raw bytes;
 * - anything else: key holds a 16-bit hash of the id, field is the id itself.
 * Dense ids (a seeded or sequential range) therefore cost 2-3 bytes of field
 * per user. The field always determines the id together with the key, so
 * the state is exact: two users never share a field.
 */
export interface StateLocation {
  key: string;
  /** A string or raw bytes; integers are sent as decimal strings, which Redis stores as packed integers. */
  field: string | Buffer;
}

const NUMERIC = /^(0|[1-9][0-9]{0,14})$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `2026-11-21` -> `20261121` */
function compactDay(day: string): string {
  return day.slice(0, 4) + day.slice(5, 7) + day.slice(8, 10);
}

/**
 * The lock a tasks job holds while it runs (see tasks' job-lock.ts). Not
 * attendance state: rollover's pattern (`<prefix>:d:*`) never matches it.
 */
export function jobLockKey(prefix: string, job: string): string {
  return `${prefix}:lock:job:${job}`;
}

/** The prefix of every state key of one day: what rollover scans for. */
export function dayStatePattern(prefix: string): string {
  return `${prefix}:d:*`;
}

/** Reads the day back out of a state key, or undefined for keys that are not attendance state. */
const stateKeyPatterns = new Map<string, RegExp>();

export function dayOfStateKey(prefix: string, key: string): string | undefined {
  // Rollover asks this for every key it scans: build each prefix's pattern once.
  let pattern = stateKeyPatterns.get(prefix);
  if (!pattern) {
    pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:d:(\\d{4})(\\d{2})(\\d{2}):`);
    stateKeyPatterns.set(prefix, pattern);
  }
  const match = pattern.exec(key);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

export function stateLocation(prefix: string, day: string, userId: string): StateLocation {
  return bucketed(`${prefix}:d:${compactDay(day)}:`, userId);
}

/** The bucketing above, under any key prefix. */
function bucketed(base: string, userId: string): StateLocation {
  if (NUMERIC.test(userId)) {
    const n = Number(userId);
    return { key: `${base}n${Math.floor(n / 1000)}`, field: String(n % 1000) };
  }
  if (OBJECT_ID.test(userId)) {
    return { key: `${base}o${userId.slice(0, 22)}`, field: String(parseInt(userId.slice(22), 16)) };
  }
  if (UUID.test(userId)) {
    const hex = userId.replaceAll('-', '');
    return { key: `${base}u${hex.slice(0, 4)}`, field: Buffer.from(hex.slice(4), 'hex') };
  }
  return { key: `${base}h${fnv1a16(userId)}`, field: userId };
}

/**
 * The roster in Redis (written by tasks' `roster-sync`, read by
 * attendance-service to flag check-ins of students not on their school's
 * roster): the same buckets as the day state, the value a 16-bit hash of the
 * student's school ({@link rosterSchoolMark}). Each sync writes a new
 * generation and then points `rosterCurrentKey` at it, so readers never see
 * a half-written roster; older generations are removed after.
 */
export function rosterLocation(prefix: string, generation: number, userId: string): StateLocation {
  return bucketed(`${prefix}:roster:${generation}:`, userId);
}

export const rosterSchoolMark = (schoolId: string): number => fnv1a16(schoolId);

/** How often a reader (attendance-service) re-reads the generation in use; a sync keeps the old one at least twice that long. */
export const ROSTER_GENERATION_REFRESH_MS = 2_000;

/** Holds the generation readers use (absent: no roster loaded, nothing is flagged). */
export const rosterCurrentKey = (prefix: string): string => `${prefix}:roster:current`;

/** INCR'd by each sync for its generation. */
export const rosterGenerationKey = (prefix: string): string => `${prefix}:roster:generation`;

/** Every key of every generation (the sync removes the ones that are not current). */
export const rosterKeysPattern = (prefix: string): string => `${prefix}:roster:[0-9]*`;

/** The generation of a roster key, or undefined. */
export function generationOfRosterKey(prefix: string, key: string): number | undefined {
  const rest = key.startsWith(`${prefix}:roster:`) ? key.slice(prefix.length + 8) : '';
  const match = /^(\d+):/.exec(rest);
  return match ? Number(match[1]) : undefined;
}

/** 16-bit FNV-1a: cheap, stable across processes and languages, well spread for short ids. */
export function fnv1a16(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 16) ^ hash) & 0xffff;
}

/**
 * A device's token bucket (rate limit). Outside the `:d:` day keys, so
 * rollover and the state-memory gauges never see it; it expires by itself
 * once full again.
 */
export function deviceBucketKey(prefix: string, deviceId: string): string {
  return `${prefix}:rl:${deviceId}`;
}
