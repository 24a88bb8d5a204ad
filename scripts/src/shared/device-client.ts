/**
 * A check-in device as the platform's contract describes it: it retries every
 * request that got no answer, a timeout or a 503, with backoff, until it gets
 * an answer that settles the record (202, 400, 401/403 or 409). What it
 * finally got is what the device believes: 202 or 409 `already-checked-*`
 * means "recorded", and the platform must then hold the record.
 */
export interface DeviceAnswer {
  status: number;
  /** `error` of an error body, or `accepted`. */
  code: string;
  id?: string;
  /** Requests sent for this record, the first included. */
  attempts: number;
}

export interface DeviceOptions {
  /** Where to send; asked before every attempt, so a restarted service on a new port is found. */
  baseUrl: () => string;
  /** The device's key, sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** Per-request timeout: a request that takes longer counts as no answer. */
  timeoutMs?: number;
  /** Backoff between attempts: doubles from `initialBackoffMs` up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Give up after this long (a real device would keep trying; a test must end). */
  giveUpAfterMs?: number;
  /** Called once per answer, retried ones included (progress and counts by status). */
  onAttempt?: (status: number | 'no-answer') => void;
}

const SETTLED = (status: number): boolean => status === 202 || status === 400 || status === 401 || status === 403 || status === 409 || status === 413 || status === 415 || status === 422;

export async function sendAsDevice(path: string, body: unknown, options: DeviceOptions): Promise<DeviceAnswer> {
  const { timeoutMs = 10_000, initialBackoffMs = 100, maxBackoffMs = 2_000, giveUpAfterMs = 300_000 } = options;
  const deadline = Date.now() + giveUpAfterMs;
  const payload = JSON.stringify(body);
  let backoff = initialBackoffMs;
  for (let attempts = 1; ; attempts += 1) {
    let status: number | 'no-answer' = 'no-answer';
    let answer: Record<string, unknown> = {};
    let retryAfterMs = 0;
    try {
      const response = await fetch(`${options.baseUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.key ? { authorization: `Bearer ${options.key}` } : {}) },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
    } catch {
      // Refused, reset or timed out: no answer, so the device cannot know; it retries.
    }
    options.onAttempt?.(status);
    if (status !== 'no-answer' && SETTLED(status)) {
      const code = status === 202 ? 'accepted' : typeof answer.error === 'string' ? answer.error : String(status);
      return { status, code, ...(typeof answer.id === 'string' ? { id: answer.id } : {}), attempts };
    }
    if (Date.now() > deadline) return { status: status === 'no-answer' ? 0 : status, code: 'gave-up', attempts };
    // Jitter spreads a crowd of retrying devices; Retry-After is a floor, not a schedule.
    const wait = Math.max(Math.min(retryAfterMs, maxBackoffMs), backoff * (0.5 + Math.random() / 2));
    await new Promise((resolve) => setTimeout(resolve, wait));
    backoff = Math.min(backoff * 2, maxBackoffMs);
  }
}

/** What the device takes as "recorded": the platform must hold the record. */
export function deviceConsidersRecorded(answer: DeviceAnswer): boolean {
  return answer.status === 202 || answer.code === 'already-checked-in' || answer.code === 'already-checked-out';
}
