import { describe, expect, it } from 'vitest';
import { attendanceInputSchema, describeIssues } from '../../src/attendance-record.ts';

const now = Date.parse('2026-11-21T08:00:00Z');
const schema = attendanceInputSchema({ maxFutureMs: 300_000, maxAgeMs: 48 * 3_600_000, now: () => now });
const valid = { type: 'checkin', userId: 'u1', schoolId: 's1', timestamp: '2026-11-21T07:58:00+00:00', temperature: 36.6 };

function failingFields(body: unknown): string[] {
  const parsed = schema.safeParse(body);
  return parsed.success ? [] : describeIssues(parsed.error).map((issue) => issue.field);
}

describe('attendance input schema', () => {
  it('accepts ISO-8601 with an offset and epoch milliseconds, normalised to epoch ms', () => {
    expect(schema.parse(valid).timestamp).toBe(Date.parse('2026-11-21T07:58:00Z'));
    expect(schema.parse({ ...valid, timestamp: now - 1000 }).timestamp).toBe(now - 1000);
  });

  it.each([
    ['type', { type: 'arrive' }],
    ['userId', { userId: 'has space' }],
    ['userId', { userId: 'x'.repeat(65) }],
    ['schoolId', { schoolId: '' }],
    ['timestamp', { timestamp: '2026-11-21 07:58' }],
    ['timestamp', { timestamp: now + 6 * 60_000 }],
    ['timestamp', { timestamp: now - 49 * 3_600_000 }],
    ['temperature', { temperature: 29.9 }],
    ['temperature', { temperature: '36.6' }],
    ['image', { image: 'x'.repeat(2049) }],
    ['color', { color: 'red' }],
  ])('names %s when it is wrong (%j)', (field, override) => {
    expect(failingFields({ ...valid, ...override })).toEqual([field]);
  });

  it('lists every failing field at once', () => {
    expect(failingFields({ type: 'x', temperature: 50 }).sort()).toEqual(['schoolId', 'temperature', 'timestamp', 'type', 'userId']);
  });
});
