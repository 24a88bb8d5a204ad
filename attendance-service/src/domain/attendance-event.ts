import { type AttendanceEvent, type AttendanceInput, localTime } from '@attendance/common/records';

export interface EventContext {
  timeZone: string;
  now: number;
  id: string;
}

/**
 * The Kafka message for a validated record: the record, normalised (ISO
 * timestamp), plus its id, the day it counts for in the configured time zone,
 * and when we received it. `minute` (local minutes since midnight) is what
 * the Redis state stores.
 */
export function toAttendanceEvent(input: AttendanceInput, context: EventContext): { event: AttendanceEvent; minute: number } {
  const { day, minute } = localTime(input.timestamp, context.timeZone);
  const event: AttendanceEvent = {
    id: context.id,
    type: input.type,
    userId: input.userId,
    schoolId: input.schoolId,
    timestamp: new Date(input.timestamp).toISOString(),
    day,
    temperature: input.temperature,
    ...(input.image === undefined ? {} : { image: input.image }),
    receivedAt: new Date(context.now).toISOString(),
  };
  return { event, minute };
}
