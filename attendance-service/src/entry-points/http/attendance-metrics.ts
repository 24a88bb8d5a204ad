import { Counter, type Registry } from 'prom-client';

export interface AttendanceMetrics {
  accepted: Counter<'type'>;
  rejected: Counter<'reason'>;
}

export function attendanceMetrics(registry: Registry): AttendanceMetrics {
  return {
    accepted: new Counter({
      name: 'attendance_records_accepted_total',
      help: 'Records acknowledged by Kafka and answered 202, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'attendance_records_rejected_total',
      help: 'Records refused, by reason (error code: validation-failed, already-checked-in, service-unavailable, ...)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
