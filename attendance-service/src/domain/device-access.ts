import { AppError } from '@attendance/common';

/** The caller of a write: one device key, bound to one school. */
export interface DeviceCaller {
  id: string;
  schoolId: string;
}

/**
 * A device may only post records of its own school (`403 wrong-school`), and
 * only for a school on the roster (`422 unknown-school`): a key's school was
 * on the roster when the key was made, so the second only fires if the
 * school was removed since. Checked after validation, per record (in a
 * batch, each record gets its own answer).
 */
export function assertDeviceMayPost(device: DeviceCaller, schoolId: string, isKnownSchool: (schoolId: string) => boolean): void {
  if (schoolId !== device.schoolId) throw new AppError('wrong-school', "this device's key is for another school", 403);
  if (!isKnownSchool(schoolId)) throw new AppError('unknown-school', `school ${schoolId} is not on the roster`, 422);
}
