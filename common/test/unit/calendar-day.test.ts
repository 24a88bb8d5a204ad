import { describe, expect, it } from 'vitest';
import { addDays, dayOf, daysBetween, localTime } from '../../src/calendar-day.ts';

describe('calendar days in the configured time zone', () => {
  const instant = Date.parse('2026-11-21T23:30:00Z');

  it('follows the time zone, not the server', () => {
    expect(dayOf(instant, 'UTC')).toBe('2026-11-21');
    expect(dayOf(instant, 'Asia/Tokyo')).toBe('2026-11-22');
    expect(dayOf(instant, 'America/Los_Angeles')).toBe('2026-11-21');
    expect(localTime(instant, 'Asia/Tokyo')).toEqual({ day: '2026-11-22', minute: 8 * 60 + 30 });
  });

  it('counts midnight as minute 0 of the new day', () => {
    expect(localTime(Date.parse('2026-11-22T00:00:00Z'), 'UTC')).toEqual({ day: '2026-11-22', minute: 0 });
  });

  it('adds whole calendar days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('lists the days of a range across a month end, and none for a range that ends before it starts', () => {
    expect(daysBetween('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(daysBetween('2026-12-02', '2026-11-29')).toEqual([]);
  });
});
