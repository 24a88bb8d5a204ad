import { describe, expect, it } from 'vitest';
import { clockOffsetMs, RUN_HEADROOM_MS } from '../support/test-clock.ts';

const at = (time: string) => Date.parse(`2026-11-23T${time}Z`);

describe('the test clock keeps a run inside one UTC day', () => {
  it('is the real clock during the day', () => {
    expect(clockOffsetMs(at('12:00:00'), undefined)).toBe(0);
    expect(clockOffsetMs(at('23:29:59'), undefined)).toBe(0);
  });

  it('moves a run that starts near midnight back to the headroom before it', () => {
    const real = at('23:59:30');
    expect(real + clockOffsetMs(real, undefined)).toBe(Date.parse('2026-11-24T00:00:00Z') - RUN_HEADROOM_MS);
  });

  it('takes the shift from TEST_CLOCK_OFFSET_MS when it is set', () => {
    expect(clockOffsetMs(at('23:59:30'), '0')).toBe(0);
    expect(clockOffsetMs(at('12:00:00'), '-5000')).toBe(-5000);
  });
});
