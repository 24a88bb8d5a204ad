import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import { AppError } from './errors.ts';

/** What a client may send as `X-Request-Id` to correlate its request with our logs; anything else is replaced. */
const REQUEST_ID_SHAPE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Gives every request an id (the client's `X-Request-Id` if it is a short
 * token, else a new UUID), echoes it in the response and keeps it in
 * `res.locals.requestId` for the log lines about that request.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && REQUEST_ID_SHAPE.test(offered) ? offered : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * CORS for the listed browser origins only. With none configured, no CORS
 * header is ever sent, so browsers refuse every cross-origin call (devices
 * and scripts are not browsers and are unaffected).
 */
export function corsFor(origins: string[]): RequestHandler {
  const allowed = new Set(origins.map((origin) => new URL(origin).origin));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * HTTP/1.1 requires `Host`. Node would answer its absence with an empty 400;
 * the server is created with `requireHostHeader: false` so this answers it
 * with the usual error body instead.
 */
export const requireHost: RequestHandler = (req, _res, next) => {
  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    next(new AppError('bad-request', 'HTTP/1.1 requests need a Host header', 400));
    return;
  }
  next();
};

/**
 * Refuses a body whose announced `Content-Length` is over `maxBytes` before
 * anything reads it (a client announcing 10 GB gets its 413 at once, and the
 * connection is closed rather than drained).
 */
export function refuseOversizedBody(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(length) && length > maxBytes) {
      next(new AppError('payload-too-large', `request body is larger than ${maxBytes} bytes`, 413));
      return;
    }
    next();
  };
}

const reasons: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Node's HTTP parser refuses some requests before Express sees them (unknown
 * method, malformed request line, headers over the size limit, headers not
 * finished within `headersTimeout`). By default it answers with an empty
 * body; this answers with the usual `{ error, message }` and closes.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers-too-large', 'request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request-timeout', 'the request was not received in time']
        : [400, 'bad-request', 'the request could not be parsed'];
  const body = JSON.stringify({ error: code, message });
  socket.end(`HTTP/1.1 ${status} ${reasons[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
