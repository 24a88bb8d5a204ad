import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * The one error type services throw. `code` is a stable kebab-case string that
 * clients can switch on (`already-checked-in`); `message` is for humans.
 */
export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 500,
    options: { cause?: unknown; details?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  readonly details: unknown;
  /** Sent as `Retry-After` on 503s, so clients back off instead of hammering a recovering dependency. */
  readonly retryAfterSeconds: number | undefined;
}

/** The body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

export function errorBody(error: AppError): ErrorBody {
  return error.details === undefined
    ? { error: error.code, message: error.message }
    : { error: error.code, message: error.message, details: error.details };
}

export const serviceUnavailable = (dependency: string, cause?: unknown): AppError =>
  new AppError('service-unavailable', `${dependency} is unavailable, retry later`, 503, { cause, retryAfterSeconds: 1 });

/** Errors raised by express's body parser carry `type` and `status`; map them to our codes. */
function fromBodyParser(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload-too-large', 'request body is too large', 413, { cause: err });
    case 'entity.parse.failed':
      return new AppError('invalid-json', 'request body is not valid JSON', 400, { cause: err });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('unsupported-media-type', 'unsupported body encoding', 415, { cause: err });
    case 'request.aborted':
      return new AppError('request-aborted', 'request aborted by the client', 400, { cause: err });
    default:
      return undefined;
  }
}

/** Codes for client errors raised by libraries (body parser, router) that carry only an HTTP status. */
const clientErrorCodes: Record<number, [string, string]> = {
  400: ['bad-request', 'the request is malformed (for example an undecodable body or a malformed percent-encoding in the path)'],
  404: ['not-found', 'not found'],
  408: ['request-timeout', 'the request was not received in time'],
  413: ['payload-too-large', 'request body is too large'],
  415: ['unsupported-media-type', 'unsupported body encoding'],
};

/**
 * A 4xx status an error already carries (`status` or `statusCode`, as
 * http-errors sets them): the client's fault, so it stays a 4xx. Its own
 * message is not passed on (it may describe internals); the code and message
 * are generic by status.
 */
function fromClientErrorStatus(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = 'status' in err ? err.status : 'statusCode' in err ? err.statusCode : undefined;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const [code, message] = clientErrorCodes[status] ?? ['client-error', 'the request cannot be served'];
  return new AppError(code, message, status, { cause: err });
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return fromBodyParser(err) ?? fromClientErrorStatus(err) ?? new AppError('internal-error', 'internal error', 500, { cause: err });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not-found', `no route for ${req.method} ${req.path}`, 404));
};

/** True once the request's body has been read to its end (or it announced none). */
function bodyFullyRead(req: IncomingMessage): boolean {
  return req.complete || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) || req.headers['content-length'] === '0';
}

/**
 * The single error middleware: known errors and client errors keep their
 * status; unknown ones are logged and become a bare 500. An error answered
 * before the body was read (401, 413, 415) closes the connection, so a
 * client announcing gigabytes is not drained.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const appError = toAppError(err);
    const requestId = (res.locals as { requestId?: string }).requestId;
    if (appError.httpStatus >= 500) {
      logger.error({ err: appError.cause ?? appError, code: appError.code, method: req.method, path: req.path, requestId }, 'request failed');
    } else {
      logger.debug({ code: appError.code, status: appError.httpStatus, method: req.method, path: req.path, requestId }, 'request refused');
    }
    if (!bodyFullyRead(req)) res.setHeader('Connection', 'close');
    if (appError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    res.status(appError.httpStatus).json(errorBody(appError));
  };
}
