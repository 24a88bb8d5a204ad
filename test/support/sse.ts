/** One parsed Server-Sent Event, or a comment line (`: heartbeat`). */
export interface StreamEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** Resolves with the first event (from now on, or already received and not yet taken) that matches; rejects after `timeoutMs`. */
  next(matches: (event: StreamEvent) => boolean, timeoutMs: number): Promise<StreamEvent>;
  close(): void;
}

/** Opens an event stream with fetch and parses it as it arrives (test helper; a browser would use EventSource). */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const queue: StreamEvent[] = [];
  const waiters: { matches: (event: StreamEvent) => boolean; resolve: (event: StreamEvent) => void }[] = [];
  const deliver = (event: StreamEvent): void => {
    const index = waiters.findIndex((waiter) => waiter.matches(event));
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(event);
    else queue.push(event);
  };
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: StreamEvent = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) event.comment = line.slice(1).trim();
              else {
                const colon = line.indexOf(':');
                const field = line.slice(0, colon);
                const value = line.slice(colon + 1).trimStart();
                if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
              }
            }
            deliver(event);
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    status: response.status,
    headers: response.headers,
    next: (matches, timeoutMs) => {
      const index = queue.findIndex(matches);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0] as StreamEvent);
      return new Promise((resolve, reject) => {
        const waiter = {
          matches,
          resolve: (event: StreamEvent) => {
            clearTimeout(timer);
            resolve(event);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => abort.abort(),
  };
}
