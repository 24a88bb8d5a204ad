/**
 * The rosters the seed script writes and the dashboard reads (to show who is
 * absent). Ids are strings in every id format (ObjectId hex, numeric, UUID).
 */
export interface SchoolDocument {
  _id: string;
  name: string;
  createdAt: Date;
  /** Local start time `HH:MM` (`ATTENDANCE_TIMEZONE`): a check-in after it is late. Absent: `SCHOOL_START_TIME`. */
  startTime?: string;
}

export interface StudentDocument {
  _id: string;
  schoolId: string;
  name: string;
  createdAt: Date;
}

export const SCHOOLS_COLLECTION = 'schools';
export const STUDENTS_COLLECTION = 'students';
