import { describe, expect, it } from 'vitest';
import { dayOfStateKey, stateLocation } from '../../src/attendance-state/state-keys.ts';

describe('stateLocation', () => {
  it('puts numeric ids in buckets of 1000 with the remainder as an integer field', () => {
    expect(stateLocation('att', '2026-11-21', '1234567')).toEqual({ key: 'att:d:20261121:n1234', field: '567' });
    expect(stateLocation('att', '2026-11-21', '7')).toEqual({ key: 'att:d:20261121:n0', field: '7' });
  });

  it('puts ObjectIds in buckets of 256 by their first 22 hex digits', () => {
    expect(stateLocation('att', '2026-11-21', '65f1a2b3c4d5e6f7a8b9c0ff')).toEqual({ key: 'att:d:20261121:o65f1a2b3c4d5e6f7a8b9c0', field: '255' });
  });

  it('keeps 14 raw bytes of a UUID as the field', () => {
    const location = stateLocation('att', '2026-11-21', '0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(location.key).toBe('att:d:20261121:u0f8f');
    expect(location.field).toEqual(Buffer.from('ad5bd9cb469fa16570867728950e', 'hex'));
  });

  it('hashes any other id into one of 65536 buckets and keeps the id as the field', () => {
    const location = stateLocation('att', '2026-11-21', 'STUDENT_0042');
    expect(location.key).toMatch(/^att:d:20261121:h\d{1,5}$/);
    expect(location.field).toBe('STUDENT_0042');
    expect(stateLocation('att', '2026-11-21', 'STUDENT_0042')).toEqual(location);
  });

  it('never gives two different ids the same key and field', () => {
    const ids = ['1', '01', '1000', '0', 'a', 'A', '65f1a2b3c4d5e6f7a8b9c0ff', '65F1A2B3C4D5E6F7A8B9C0FF', '0f8fad5b-d9cb-469f-a165-70867728950e', '0f8fad5bd9cb469fa16570867728950e'];
    const seen = new Set(ids.map((id) => { const { key, field } = stateLocation('att', '2026-11-21', id); return `${key}/${field.toString('hex')}/${typeof field}`; }));
    expect(seen.size).toBe(ids.length);
  });

  it('reads the day back only from attendance state keys of its own prefix', () => {
    expect(dayOfStateKey('att', 'att:d:20261121:n12')).toBe('2026-11-21');
    expect(dayOfStateKey('att', 'other:d:20261121:n12')).toBeUndefined();
    expect(dayOfStateKey('att', 'att:cache:schools')).toBeUndefined();
  });
});
