import { Counter, type Registry } from 'prom-client';
import { anomalyKinds } from '../../domain/anomaly-rules.ts';

export interface AttendanceMetrics {
  accepted: Counter<'type'>;
  rejected: Counter<'reason'>;
  anomalies: Counter<'kind'>;
}

/** Reasons a record is refused, initialised at zero so dashboards show 0 rather than "no data". */
const knownReasons = ['validation-failed', 'invalid-json', 'already-checked-in', 'already-checked-out', 'not-checked-in', 'payload-too-large', 'unsupported-media-type', 'service-unavailable', 'wrong-school', 'unknown-school', 'rate-limited'];

export function attendanceMetrics(registry: Registry): AttendanceMetrics {
  const metrics = {
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
    anomalies: new Counter({
      name: 'attendance_anomalies_total',
      help: 'Devices flagged (not rejected) by kind: too-many-students per minute, constant-temperature, implausible-temperature',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
  for (const kind of anomalyKinds) metrics.anomalies.inc({ kind }, 0);
  for (const type of ['checkin', 'checkout']) metrics.accepted.inc({ type }, 0);
  for (const reason of knownReasons) metrics.rejected.inc({ reason }, 0);
  return metrics;
}
