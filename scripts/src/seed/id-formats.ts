import { createHash } from 'node:crypto';

/**
 * The three shapes student ids take in the systems schools run, each bucketed
 * differently in Redis (README, "Redis state"), so the benchmark can measure
 * each one.
 */
export const idFormats = ['objectid', 'numeric', 'uuid'] as const;
export type IdFormat = (typeof idFormats)[number];

/**
 * First seeded ObjectId: a fixed timestamp (0x67490000, November 2024), fixed
 * "machine" bytes and counter 0. Ids are this plus the student's position, so
 * they are dense, as one generator hands them out, and the same on every run
 * with the same flags (which is what makes re-seeding idempotent).
 */
const OBJECT_ID_BASE = 0x67490000a77e4da4ce000000n;

/** `school-0001`, `school-0002`, ...: readable, and sorted like the schools' numbers up to 9,999. */
export function schoolIdOf(schoolIndex: number): string {
  return `school-${String(schoolIndex + 1).padStart(4, '0')}`;
}

/** A v4-shaped UUID from a hash, so the same (school, index) always gets the same id. */
function uuidFromHash(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of the `studentIndex`-th student of the `schoolIndex`-th school.
 * ObjectIds and numbers are sequential over the whole roster (school by
 * school), so they depend on `studentsPerSchool`: re-seed with the same flags.
 */
export function studentIdOf(format: IdFormat, schoolIndex: number, studentIndex: number, studentsPerSchool: number): string {
  const position = schoolIndex * studentsPerSchool + studentIndex;
  switch (format) {
    case 'objectid':
      return (OBJECT_ID_BASE + BigInt(position)).toString(16).padStart(24, '0');
    case 'numeric':
      return String(position + 1);
    case 'uuid':
      return uuidFromHash(`${schoolIdOf(schoolIndex)}/${studentIndex}`);
  }
}
