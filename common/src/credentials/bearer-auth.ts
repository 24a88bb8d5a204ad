import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { bearerSecretOf } from './credential-secret.ts';

/** Where a request's credential is looked up: a {@link CredentialCache}. */
export interface CredentialLookup<E> {
  find(secret: string): E | undefined;
  markSeen(id: string): void;
}

/** One answer for a missing, malformed, unknown or revoked credential: the caller learns nothing about which. */
export const unauthorized = (): AppError => new AppError('unauthorized', 'a valid bearer credential is required', 401);

/**
 * Requires `Authorization: Bearer <secret>` naming an active credential, and
 * remembers it for the route (`credentialOf`). Runs before the body is read,
 * so an unauthenticated request costs no parsing.
 */
export class BearerAuth<E extends { id: string }> {
  private readonly callers = new WeakMap<Request, E>();

  constructor(private readonly lookup: CredentialLookup<E>) {}

  readonly middleware: RequestHandler = (req, res, next) => {
    const secret = bearerSecretOf(req.headers.authorization);
    const entry = secret === undefined ? undefined : this.lookup.find(secret);
    if (!entry) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(unauthorized());
      return;
    }
    this.lookup.markSeen(entry.id);
    this.callers.set(req, entry);
    next();
  };

  /** The credential the middleware accepted for this request. */
  credentialOf(req: Request): E {
    const entry = this.callers.get(req);
    if (!entry) throw unauthorized();
    return entry;
  }
}
