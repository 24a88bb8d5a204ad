import type { StudentDocument } from '@attendance/common/mongo';
import type { AttendanceRepository } from './attendance-repository.ts';
import type { CorrectionRepository } from './correction-repository.ts';
import type { RosterRepository } from './roster-repository.ts';

export interface AbsentStudentsSources {
  attendances: Pick<AttendanceRepository, 'userIdsOf'>;
  corrections: Pick<CorrectionRepository, 'excusesOf'>;
  roster: Pick<RosterRepository, 'studentsAfter'>;
}

/**
 * One page of a school's absent students on `day`: on the roster, without a
 * record that day and not excused, in roster order after `cursor`. The
 * roster is read page by page (twice the page, at least 100 students a read),
 * skipping those who came or are excused, until the page is full or the
 * roster ends; `nextCursor` is set when the page is full.
 */
export async function absentStudentsPage(sources: AbsentStudentsSources, schoolId: string, day: string, cursor: string | undefined, limit: number): Promise<{ students: StudentDocument[]; nextCursor: string | undefined }> {
  const [present, excused] = await Promise.all([sources.attendances.userIdsOf(schoolId, day), sources.corrections.excusesOf(schoolId, day, undefined, Number.MAX_SAFE_INTEGER)]);
  const away = new Set([...present, ...excused.map((excuse) => excuse.userId)]);
  const students: StudentDocument[] = [];
  let after = cursor;
  while (students.length < limit) {
    const page = await sources.roster.studentsAfter(schoolId, after, Math.max(limit * 2, 100));
    for (const student of page) if (!away.has(student._id) && students.length < limit) students.push(student);
    if (page.length === 0) break;
    after = page.at(-1)?._id;
  }
  return { students, nextCursor: students.length === limit ? students.at(-1)?._id : undefined };
}
