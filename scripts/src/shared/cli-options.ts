/** A command-line mistake: main prints the message and the usage, then exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${flag} expects a whole number of at least 1, got "${value}"`);
  return number;
}

/** A share of requests, 0 to 1 (`0.05` = 5 %). */
export function share(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1) throw new UsageError(`--${flag} expects a share between 0 and 1 (e.g. 0.05), got "${value}"`);
  return number;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} expects one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** The usage text on stderr and exit code 2 for a {@link UsageError}; anything else is rethrown. */
export function exitOnUsageError(err: unknown, usage: string): never {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n\n${usage}\n`);
  process.exit(2);
}
