import { decodeState, schoolFingerprint, stateLocation } from '@attendance/common/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendanceFixture, postJson, type AttendanceFixture } from '../../../test/support/services.ts';
import { randomId, testNamespace } from '../../../test/support/stack.ts';

const ns = testNamespace('dayboundary');
// 23:50 on the 21st in Tokyo is 14:50 UTC: still the 21st in UTC both before and after Tokyo's midnight.
let clock = Date.parse('2026-11-21T14:50:00Z');
let fixture: AttendanceFixture;

beforeAll(async () => {
  fixture = await attendanceFixture(ns, { ATTENDANCE_TIMEZONE: 'Asia/Tokyo' }, () => clock, ['tokyo-1']);
});

afterAll(async () => {
  await fixture?.stop();
});

describe('when a student checks in again after midnight in the configured time zone', () => {
  it('accepts it as a new day, although it is still the same day in UTC', async () => {
    const userId = randomId();
    const checkIn = () => postJson(`${fixture.service.url}/attendances`, { type: 'checkin', userId, schoolId: 'tokyo-1', timestamp: clock, temperature: 36.6 });
    expect((await checkIn()).status).toBe(202);
    expect((await checkIn()).status).toBe(409);

    clock = Date.parse('2026-11-21T15:10:00Z'); // 00:10 on the 22nd in Tokyo
    const nextDay = await checkIn();
    expect(nextDay.status).toBe(202);

    const days = (await fixture.messagesFor(userId)).map((message) => (message.value as { day: string }).day);
    expect(days).toEqual(['2026-11-21', '2026-11-22']);
    const { key, field } = stateLocation(ns.redisPrefix, '2026-11-22', userId);
    expect(decodeState(Number(await fixture.redis.hget(key, field)))).toEqual({ checkInMinute: 10, school: schoolFingerprint('tokyo-1') });
  });
});
