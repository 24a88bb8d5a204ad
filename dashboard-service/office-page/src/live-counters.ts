import { getJson, tokenStore, type SchoolFigures } from './api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** While the stream is down the figures are still read, less often, so the page never goes stale silently. */
const POLL_WHILE_DOWN_MS = 2_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * Follows a school's counters on its SSE stream (`GET /schools/:id/stream`,
 * `event: counters`). EventSource reconnects by itself (sending
 * `Last-Event-ID`) after a dropped connection; when the server refuses the
 * stream outright (401, 403, 503) it gives up, so this opens a new one with
 * a backoff, and reads `GET /schools/:id` meanwhile (which also signs out on
 * an expired token). Returns a function that stops following.
 */
export function followCounters(schoolId: string, onFigures: (figures: SchoolFigures) => void, onState: (state: LiveState) => void, onError: (err: unknown) => void): () => void {
  let source: EventSource | undefined;
  let stopped = false;
  let backoffMs = 1_000;
  let reopenTimer: number | undefined;
  let pollTimer: number | undefined;

  const poll = (): void => {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(() => {
      if (stopped) return;
      getJson<SchoolFigures>(`/schools/${encodeURIComponent(schoolId)}`).then(onFigures, onError).finally(() => {
        if (!stopped && source?.readyState !== EventSource.OPEN) poll();
      });
    }, POLL_WHILE_DOWN_MS);
  };

  const open = (): void => {
    if (stopped) return;
    const token = tokenStore.get() ?? '';
    // EventSource cannot send headers: the stream takes the token as a query parameter (this route only).
    source = new EventSource(`/schools/${encodeURIComponent(schoolId)}/stream?access_token=${encodeURIComponent(token)}`);
    source.addEventListener('open', () => {
      backoffMs = 1_000;
      onState('live');
    });
    source.addEventListener('counters', (event) => {
      onState('live');
      onFigures(JSON.parse((event as MessageEvent<string>).data) as SchoolFigures);
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      onState('reconnecting');
      poll();
      if (source?.readyState === EventSource.CLOSED) {
        window.clearTimeout(reopenTimer);
        reopenTimer = window.setTimeout(open, backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    });
  };

  onState('connecting');
  open();
  return () => {
    stopped = true;
    source?.close();
    window.clearTimeout(reopenTimer);
    window.clearTimeout(pollTimer);
  };
}
