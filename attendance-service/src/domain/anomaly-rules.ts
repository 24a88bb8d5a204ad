/**
 * Bot detection on the write path: patterns no real gate produces. They are
 * flagged (stored and counted), never rejected: a false positive must not
 * lose a child's check-in.
 */
export type AnomalyKind = 'too-many-students' | 'constant-temperature' | 'implausible-temperature' | 'not-on-roster';

export const anomalyKinds: AnomalyKind[] = ['too-many-students', 'constant-temperature', 'implausible-temperature', 'not-on-roster'];

export interface Anomaly {
  kind: AnomalyKind;
  deviceId: string;
  schoolId: string;
  /** The minute (epoch ms) the pattern was seen in: one flag per device, kind and window. */
  windowStart: number;
  /** The student, for flags about one student's record (`not-on-roster`: one flag per device, student and minute). */
  userId?: string;
  details: Record<string, number>;
}

/** A check-in for a student who is not on the school's roster (as tasks' roster-sync last copied it). */
export function notOnRoster(record: { deviceId: string; schoolId: string; userId: string; timestamp: number }): Anomaly {
  return { kind: 'not-on-roster', deviceId: record.deviceId, schoolId: record.schoolId, userId: record.userId, windowStart: Math.floor(record.timestamp / 60_000) * 60_000, details: {} };
}

export interface AnomalyLimits {
  /** Distinct students one device may record per minute of record time (a gate scans about one a second). */
  maxStudentsPerMinute: number;
  /** Readings per device judged together for the temperature rules. */
  temperatureWindow: number;
}

/** A human reading outside this range is implausible (the API accepts 30-45 °C: thermometers err). */
const PLAUSIBLE_MIN = 34.0;
const PLAUSIBLE_MAX = 42.5;
/** Share of a window's readings outside the plausible range that makes the device suspect. */
const IMPLAUSIBLE_SHARE = 0.25;
/** Minutes of per-device student sets kept (records arrive up to a few minutes out of order). */
const MINUTES_KEPT = 3;

interface DeviceState {
  studentsByMinute: Map<number, Set<string>>;
  flaggedMinutes: Set<number>;
  temperatures: number[];
}

/**
 * Per-device state of the rules, in memory (per replica: with several
 * replicas behind a load balancer each sees its share of a device's records,
 * so a device must be more extreme to be flagged; the store deduplicates
 * flags of one window).
 */
export class AnomalyRules {
  private devices = new Map<string, DeviceState>();

  constructor(private readonly limits: AnomalyLimits) {}

  /** Judges one accepted record; returns the anomalies it completes (usually none). */
  observe(record: { deviceId: string; schoolId: string; userId: string; timestamp: number; temperature: number }): Anomaly[] {
    const state = this.stateOf(record.deviceId);
    const found: Anomaly[] = [];
    const minute = Math.floor(record.timestamp / 60_000) * 60_000;
    let students = state.studentsByMinute.get(minute);
    if (!students) {
      students = new Set();
      state.studentsByMinute.set(minute, students);
      for (const kept of state.studentsByMinute.keys()) if (kept < minute - MINUTES_KEPT * 60_000) state.studentsByMinute.delete(kept);
      for (const kept of state.flaggedMinutes) if (kept < minute - MINUTES_KEPT * 60_000) state.flaggedMinutes.delete(kept);
    }
    students.add(record.userId);
    if (students.size > this.limits.maxStudentsPerMinute && !state.flaggedMinutes.has(minute)) {
      state.flaggedMinutes.add(minute);
      found.push({ kind: 'too-many-students', deviceId: record.deviceId, schoolId: record.schoolId, windowStart: minute, details: { students: students.size, limit: this.limits.maxStudentsPerMinute } });
    }

    state.temperatures.push(record.temperature);
    if (state.temperatures.length >= this.limits.temperatureWindow) {
      const readings = state.temperatures;
      state.temperatures = [];
      const implausible = readings.filter((t) => t < PLAUSIBLE_MIN || t > PLAUSIBLE_MAX).length;
      if (readings.every((t) => t === readings[0])) {
        found.push({ kind: 'constant-temperature', deviceId: record.deviceId, schoolId: record.schoolId, windowStart: minute, details: { readings: readings.length, temperature: readings[0] as number } });
      } else if (implausible >= readings.length * IMPLAUSIBLE_SHARE) {
        found.push({ kind: 'implausible-temperature', deviceId: record.deviceId, schoolId: record.schoolId, windowStart: minute, details: { readings: readings.length, implausible } });
      }
    }
    return found;
  }

  private stateOf(deviceId: string): DeviceState {
    let state = this.devices.get(deviceId);
    if (!state) {
      state = { studentsByMinute: new Map(), flaggedMinutes: new Set(), temperatures: [] };
      this.devices.set(deviceId, state);
    }
    return state;
  }
}
