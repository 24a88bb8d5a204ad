import { describe, expect, it } from 'vitest';
import { AnomalyRules } from '../../src/domain/anomaly-rules.ts';

const at = Date.UTC(2026, 10, 23, 8, 0, 0);
const rules = () => new AnomalyRules({ maxStudentsPerMinute: 5, temperatureWindow: 4 });
let next = 0;
const record = (overrides: Partial<{ deviceId: string; userId: string; timestamp: number; temperature: number }> = {}) => ({
  deviceId: 'dev-1',
  schoolId: 'school-1',
  userId: `u${(next += 1)}`,
  timestamp: at,
  temperature: 36.5 + (next % 7) / 10,
  ...overrides,
});

describe('anomaly rules', () => {
  it('flags a device with more distinct students in a minute than a gate can scan, once per minute', () => {
    const subject = rules();
    const flags = Array.from({ length: 12 }, (_, i) => subject.observe(record({ timestamp: at + i * 1000 }))).flat();
    expect(flags.filter((flag) => flag.kind === 'too-many-students')).toEqual([{ kind: 'too-many-students', deviceId: 'dev-1', schoolId: 'school-1', windowStart: at, details: { students: 6, limit: 5 } }]);
  });

  it('does not flag a batch of a whole day sent at once (minutes of record time, not of arrival)', () => {
    const subject = rules();
    const flags = Array.from({ length: 100 }, (_, i) => subject.observe(record({ timestamp: at + i * 60_000 }))).flat();
    expect(flags.filter((flag) => flag.kind === 'too-many-students')).toEqual([]);
  });

  it('flags a window of identical temperatures, and one with many implausible readings, but not healthy readings', () => {
    const constant = rules();
    const flags = Array.from({ length: 4 }, (_, i) => constant.observe(record({ temperature: 36.6, timestamp: at + i * 60_000 }))).flat();
    expect(flags.map((flag) => flag.kind)).toEqual(['constant-temperature']);
    const implausible = rules();
    const readings = [36.6, 44.9, 36.8, 31.0];
    expect(readings.flatMap((temperature, i) => implausible.observe(record({ temperature, timestamp: at + i * 60_000 }))).map((flag) => flag.kind)).toEqual(['implausible-temperature']);
    const healthy = rules();
    expect([36.6, 36.9, 37.1, 36.4].flatMap((temperature, i) => healthy.observe(record({ temperature, timestamp: at + i * 60_000 })))).toEqual([]);
  });
});
