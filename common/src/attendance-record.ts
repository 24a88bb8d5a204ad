import { z } from 'zod';

/** Ids of users and schools: what devices send and what becomes part of Redis keys and MongoDB ids. */
export const entityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 characters of A-Z, a-z, 0-9, _ or -');

export const attendanceType = z.enum(['checkin', 'checkout']);
export type AttendanceType = z.infer<typeof attendanceType>;

/** °C. Outside this range a reading is a broken sensor, not a person. */
export const temperature = z.number().min(30).max(45);

/** A reading at or above this is counted as a fever in reports. */
export const FEVER_THRESHOLD_CELSIUS = 38.0;

/** ISO-8601 with an explicit offset (`Z` or `+02:00`), or epoch milliseconds; normalised to epoch ms. */
const timestampInput = z.union([z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso)), z.number().int().min(0).max(8.64e15)], {
  error: 'expected ISO-8601 with an offset (2026-11-21T07:58:00Z) or epoch milliseconds',
});

export interface TimestampWindow {
  /** How far in the future a device clock may be. */
  maxFutureMs: number;
  /** How old a record may be (devices that were offline). */
  maxAgeMs: number;
  now: () => number;
}

/**
 * The body of one check-in or check-out, as a device sends it.
 * Unknown fields are rejected so a typo (`temprature`) is a 400, not a silently missing reading.
 */
export function attendanceInputSchema(window: TimestampWindow) {
  return z.strictObject({
    type: attendanceType,
    userId: entityId,
    schoolId: entityId,
    timestamp: timestampInput.superRefine((ms, ctx) => {
      const now = window.now();
      if (ms > now + window.maxFutureMs) {
        ctx.addIssue({ code: 'custom', message: `more than ${Math.round(window.maxFutureMs / 1000)} s in the future` });
      } else if (ms < now - window.maxAgeMs) {
        ctx.addIssue({ code: 'custom', message: `older than ${Math.round(window.maxAgeMs / 3_600_000)} h` });
      }
    }),
    temperature,
    image: z.string().min(1).max(2048).optional(),
  });
}

export type AttendanceInput = z.infer<ReturnType<typeof attendanceInputSchema>>;

/**
 * The Kafka message value: the validated record plus its unique `id`, the
 * calendar `day` it belongs to (in the service's time zone) and `receivedAt`.
 * The consumer validates every message with this schema.
 */
export const attendanceEventSchema = z.strictObject({
  id: z.string().min(1).max(64),
  type: attendanceType,
  userId: entityId,
  schoolId: entityId,
  timestamp: z.iso.datetime({ offset: true }),
  day: z.iso.date(),
  temperature,
  image: z.string().min(1).max(2048).optional(),
  receivedAt: z.iso.datetime({ offset: true }),
});

export type AttendanceEvent = z.infer<typeof attendanceEventSchema>;

export function isFever(celsius: number): boolean {
  return celsius >= FEVER_THRESHOLD_CELSIUS;
}

/** Field path and message for each zod issue: the `details` of a 400. */
/** At most this many issues per record, each field name cut to 64 characters: an error body stays small whatever was sent. */
const MAX_ISSUES = 10;
const MAX_FIELD_LENGTH = 64;

const shortField = (field: string): string => (field.length > MAX_FIELD_LENGTH ? `${field.slice(0, MAX_FIELD_LENGTH)}...` : field);

export function describeIssues(error: z.ZodError): { field: string; message: string }[] {
  const issues = error.issues.flatMap((issue) => {
    const at = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.slice(0, MAX_ISSUES).map((key) => ({ field: shortField(at ? `${at}.${key}` : key), message: 'unknown field' }));
    return [{ field: shortField(at || '(body)'), message: issue.message }];
  });
  return issues.length > MAX_ISSUES ? [...issues.slice(0, MAX_ISSUES), { field: '(more)', message: `${issues.length - MAX_ISSUES} more issues not listed` }] : issues;
}
