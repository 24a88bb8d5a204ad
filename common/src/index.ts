/**
 * `@attendance/common`: only what loads nothing else at run time (no client
 * library, no framework): `AppError` and the error handler (Express appears in
 * their types only), the bulk buffer, the cached reads and the background
 * refresh. Everything else is imported from the subpath of what it needs
 * (`/config`, `/http`, `/redis`, `/kafka`, `/mongo`, `/credentials`,
 * `/records`, `/report-audit`; see package.json), so a process loads only the
 * libraries it uses.
 */
export * from './background-refresh.ts';
export * from './bulk-buffer.ts';
export * from './cached-read.ts';
export * from './errors.ts';
