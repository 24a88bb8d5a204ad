import { createHash, randomBytes } from 'node:crypto';

/** The two kinds of bearer credential: a check-in device's key and a staff member's token. */
export type CredentialKind = 'device' | 'staff';

/**
 * A visible prefix per kind: a leaked secret is recognisable (and greppable in
 * logs), and a device key pasted into the dashboard fails as `unauthorized`.
 */
const PREFIX: Record<CredentialKind, string> = { device: 'dk_', staff: 'st_' };

/** 32 random bytes (256 bits, the issue asks for at least 128) in base64url: 43 characters. */
const SECRET_BYTES = 32;

/** What a well-formed secret looks like; anything else is refused before hashing. */
const SECRET_SHAPE = /^(dk|st)_[A-Za-z0-9_-]{43}$/;

export function newCredentialSecret(kind: CredentialKind): string {
  return `${PREFIX[kind]}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/**
 * Only this hash is stored and cached. Lookups go by hash, so a request never
 * compares a secret byte by byte against a stored one (no timing oracle on
 * the secret), and the database holds nothing a client could send.
 */
export function hashCredentialSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The secret of an `Authorization: Bearer <secret>` header, or undefined when missing or malformed. */
export function bearerSecretOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  const secret = match?.[1];
  return secret !== undefined && SECRET_SHAPE.test(secret) ? secret : undefined;
}
