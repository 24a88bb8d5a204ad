import { AppError } from '@attendance/common';
import type { StaffRole } from '@attendance/common/credentials';

/** The caller of the read API: a staff token, `school` (one school) or `admin` (every school). */
export interface StaffCaller {
  id: string;
  role: StaffRole;
  /** The school a `school` token may read; null for `admin`. */
  schoolId: string | null;
}

/** A `school` token reads its own school only (`403 wrong-school`); `admin` reads any. */
export function assertMayReadSchool(staff: StaffCaller, schoolId: string): void {
  if (staff.role !== 'admin' && staff.schoolId !== schoolId) throw new AppError('wrong-school', "this token is for another school's data", 403);
}

/** Figures across schools (`/stats/today`) are for `admin` tokens only (`403 forbidden-role`). */
export function assertAdmin(staff: StaffCaller): void {
  if (staff.role !== 'admin') throw new AppError('forbidden-role', 'this needs an admin token', 403);
}

/** The schools a caller may list: every one for `admin`, its own for `school`. */
export function visibleSchool(staff: StaffCaller): (schoolId: string) => boolean {
  return staff.role === 'admin' ? () => true : (schoolId) => schoolId === staff.schoolId;
}
