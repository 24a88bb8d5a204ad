import { deviceConsidersRecorded, sendAsDevice, type DeviceAnswer } from '../shared/device-client.ts';
import type { Progress } from '../shared/progress.ts';

export interface ChaosStudent {
  userId: string;
  schoolId: string;
}

export interface WaveOptions {
  url: string;
  type: 'checkin' | 'checkout';
  students: ChaosStudent[];
  /** Devices sending at once. */
  connections: number;
  /** The device key of a school: each record is signed with its school's key. */
  keyOf: (schoolId: string) => string | undefined;
  /** Called after each device settles, with how many have. */
  onSettled?: (settled: number) => void;
  progress: Progress;
}

export interface WaveOutcome {
  /** Every request sent, retries included. */
  requests: number;
  /** Every answer, retries included (`no-answer` for refused, reset or timed-out requests). */
  answers: Record<string, number>;
  /** Each device's final answer, by user id. */
  finals: Map<string, DeviceAnswer>;
  /** Users whose device considers the record done (202 or 409 already-checked-*). */
  recorded: string[];
}

/** One wave: every student's device sends its record and retries as devices do until it is settled. */
export async function runDeviceWave(options: WaveOptions): Promise<WaveOutcome> {
  const answers: Record<string, number> = {};
  const finals = new Map<string, DeviceAnswer>();
  const queue = [...options.students];
  let requests = 0;
  await Promise.all(
    Array.from({ length: Math.min(options.connections, queue.length) }, async () => {
      for (let student = queue.shift(); student; student = queue.shift()) {
        const body = { type: options.type, userId: student.userId, schoolId: student.schoolId, timestamp: Date.now(), temperature: 36.6 };
        const key = options.keyOf(student.schoolId);
        const final = await sendAsDevice('/attendances', body, {
          baseUrl: () => options.url,
          ...(key ? { key } : {}),
          timeoutMs: 15_000,
          maxBackoffMs: 2_000,
          giveUpAfterMs: 240_000,
          onAttempt: (status) => {
            requests += 1;
            answers[String(status)] = (answers[String(status)] ?? 0) + 1;
          },
        });
        finals.set(student.userId, final);
        options.progress.update(finals.size);
        options.onSettled?.(finals.size);
      }
    }),
  );
  options.progress.stop();
  const recorded = options.students.filter((student) => deviceConsidersRecorded(finals.get(student.userId) as DeviceAnswer)).map((student) => student.userId);
  return { requests, answers, finals, recorded };
}
