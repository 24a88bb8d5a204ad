import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the socket's close. */
  closedAfterMs: number;
}

/**
 * Sends raw bytes on a TCP connection (requests `fetch` cannot make: bad
 * methods, no Host, a Content-Length without its body, headers trickled
 * slowly) and resolves with what came back once the server closes.
 * `chunks` are written `delayMs` apart.
 */
export function rawRequest(url: string, chunks: (string | Buffer)[], options: { delayMs?: number; timeoutMs?: number } = {}): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  const { delayMs = 0, timeoutMs = 20_000 } = options;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got: ${Buffer.concat(received).toString()}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n'), closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      void (async () => {
        for (const chunk of chunks) {
          if (socket.destroyed) return;
          socket.write(chunk);
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        }
      })();
    });
  });
}
