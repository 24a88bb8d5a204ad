import type { DayRosterRow } from '../../src/domain/day-roster.ts';
import type { SchoolToday } from '../../src/domain/school-summary.ts';
import type { DayStatus } from '../../src/domain/student-day.ts';

/** The staff token lives in sessionStorage: gone when the tab closes, never sent anywhere but this origin's API. */
const TOKEN_KEY = 'attendance.staffToken';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer of the API that is not a success: `status` and the stable `code` of `{ error, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The service (or one of its dependencies) cannot answer now: worth retrying. */
  get unavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** Back to sign-in, saying why, and where to come back to. */
export function signOut(reason?: 'expired'): never {
  tokenStore.clear();
  const next = location.pathname === '/' ? '' : `next=${encodeURIComponent(location.pathname)}`;
  const query = [reason ? `reason=${reason}` : '', next].filter(Boolean).join('&');
  location.assign(query ? `/?${query}` : '/');
  throw new ApiError(401, 'unauthorized', 'signed out');
}

/**
 * Calls the JSON API with the signed-in token. A 401 (token expired or
 * revoked) signs out and returns to sign-in; any other failure throws an
 * {@link ApiError} (status 0 when the service cannot be reached).
 */
export async function apiFetch(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const token = init.token ?? tokenStore.get();
  if (!token) signOut();
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'unreachable', 'the dashboard service cannot be reached');
  }
  if (response.ok) return response;
  let body: { error?: string; message?: string; details?: unknown } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  if (response.status === 401 && init.token === undefined) signOut('expired');
  throw new ApiError(response.status, body.error ?? `http-${response.status}`, body.message ?? response.statusText, body.details);
}

export async function getJson<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  return (await (await apiFetch(path, init)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await apiFetch(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return (await response.json()) as T;
}

/** Today's figures of a school (`GET /schools/:id`, and each `counters` event of its stream): the service's own type, so the two cannot drift apart. */
export type SchoolFigures = SchoolToday;

export type RosterStatus = DayStatus;

/** `GET /schools/:id/roster`: `[userId, name, status, checkInAt, checkOutAt, fever]` per student. */
export interface DayRoster {
  schoolId: string;
  day: string;
  rows: DayRosterRow[];
}

export interface HistoryEntry {
  id: string;
  kind: 'device' | 'correction';
  action: string;
  at: string | null;
  recordedAt: string;
  by: { role: string; id: string } | null;
  reason?: string;
  note?: string;
  undone?: boolean;
}

/** `GET /schools/:id/students/:userId/days/:day`. */
export interface StudentDay {
  schoolId: string;
  userId: string;
  name: string;
  day: string;
  status: RosterStatus;
  checkIn: { at: string; temperature: number | null; lateMinutes?: number | null; source: string } | null;
  checkOut: { at: string; temperature: number | null; source: string } | null;
  excused: { reason: string; note?: string | null; by?: unknown } | null;
  history: HistoryEntry[];
}
