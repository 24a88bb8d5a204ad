import { describe, expect, it } from 'vitest';
import { decodeState, encodeConfirmedState, schoolFingerprint } from '../../src/attendance-state/state-value.ts';

describe('confirmed state values', () => {
  it('hold the check-in minute and school in the 13-bit range Redis packs into 2 bytes', () => {
    for (const schoolId of ['school-0001', 'school-0002', 'a', 'school-0999']) {
      for (const minute of [0, 478, 1439]) {
        const value = encodeConfirmedState({ checkInMinute: minute, schoolId });
        expect(value).toBeGreaterThanOrEqual(-4096);
        expect(value).toBeLessThanOrEqual(4095);
        expect(decodeState(value)).toEqual({ checkInMinute: minute, school: schoolFingerprint(schoolId) });
      }
    }
  });

  it('hold both minutes of a finished day in the 24-bit range (4 bytes), as before', () => {
    const value = encodeConfirmedState({ checkInMinute: 1439, checkOutMinute: 1439, schoolId: 'school-1' });
    expect(value).toBeLessThan(2 ** 23);
    expect(decodeState(value)).toEqual({ checkInMinute: 1439, checkOutMinute: 1439 });
    expect(decodeState(encodeConfirmedState({ checkInMinute: 0, checkOutMinute: 0, schoolId: 'x' }))).toEqual({ checkInMinute: 0, checkOutMinute: 0 });
  });

  it('spread schools over every fingerprint', () => {
    const seen = new Set(Array.from({ length: 50 }, (_, i) => schoolFingerprint(`school-${String(i).padStart(4, '0')}`)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
