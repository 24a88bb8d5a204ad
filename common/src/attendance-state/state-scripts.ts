import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import { stateValueLuaConstants } from './state-value.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    claimAttendance(key: string, field: string | Buffer, type: string, minute: number, school: number, ttlSeconds: number, takeoverMs: number): Result<number, Context>;
    confirmAttendance(key: string, field: string | Buffer, pendingValue: string): Result<number, Context>;
    releaseAttendance(key: string, field: string | Buffer, pendingValue: string): Result<number, Context>;
    mergeAttendanceState(key: string, field: string | Buffer, value: number, ttlSeconds: number): Result<number, Context>;
    mergeCheckOutState(key: string, field: string | Buffer, checkOutMinute: number, withoutCheckIn: number, ttlSeconds: number): Result<number, Context>;
    replaceAttendanceState(key: string, field: string | Buffer, expected: number, next: number | ''): Result<number, Context>;
  }
}

const readLua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/** Every script starts with the encoding's constants and functions, so all of them read and write the same values. */
const prelude =
  Object.entries(stateValueLuaConstants)
    .map(([name, value]) => `local ${name} = ${value}`)
    .join('\n') + `\n${readLua('state-value')}\n`;

/** The scripts, read from disk once per process. Names are what ioredis calls them (`redis.claimAttendance(...)`). */
export const attendanceStateScripts = {
  claimAttendance: prelude + readLua('claim-attendance'),
  confirmAttendance: prelude + readLua('confirm-attendance'),
  releaseAttendance: prelude + readLua('release-attendance'),
  mergeAttendanceState: prelude + readLua('merge-attendance-state'),
  mergeCheckOutState: prelude + readLua('merge-check-out-state'),
  replaceAttendanceState: readLua('replace-attendance-state'),
} as const;

const claimRefusals = ['already-checked-in', 'already-checked-out', 'not-checked-in', 'checked-in-elsewhere', 'checkout-before-checkin', 'pending'] as const;

export type ClaimRefusalCode = (typeof claimRefusals)[number];

/**
 * What a reply of `claimAttendance` refused (codes 1-6), or undefined when it
 * is the pending value it wrote (at least 2^24, negated after a takeover).
 */
export function claimRefusalOf(reply: number): ClaimRefusalCode | undefined {
  return claimRefusals[reply - 1];
}

/** Registers the attendance-state scripts on a client (ioredis sends each by SHA after its first use). */
export function defineAttendanceStateCommands(redis: Redis): void {
  for (const [name, lua] of Object.entries(attendanceStateScripts)) redis.defineCommand(name, { numberOfKeys: 1, lua });
}
