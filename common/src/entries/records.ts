/**
 * `@attendance/common/records`: what a record is and what is stored of it: the
 * record and correction schemas (zod), the calendar day in a time zone, the
 * stored documents, their ids and collection names, and the counting rule of
 * reports. No client library: the domain code of every service can use it.
 */
export * from '../attendance-record.ts';
export * from '../calendar-day.ts';
export * from '../correction-event.ts';
export * from '../stored-attendance.ts';
export * from '../state-journal.ts';
