import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The secrets `pnpm seed` creates for the local platform: one device key per
 * school, one staff token per school and one admin token. Written to a
 * git-ignored file readable by its owner only; the benchmark and chaos read
 * it to sign their requests as each school's device.
 */
export interface SeedCredentials {
  createdAt: string;
  database: string;
  /** Device key by school id. */
  devices: Record<string, string>;
  /** Staff token (role `school`) by school id. */
  staff: Record<string, string>;
  /** Staff token with role `admin`. */
  admin: string;
}

/** `.secrets/credentials.json` at the repository root (git-ignored), or `CREDENTIALS_FILE`. */
export const defaultCredentialsFile = (): string => process.env.CREDENTIALS_FILE ?? fileURLToPath(new URL('../../../.secrets/credentials.json', import.meta.url));

export function writeCredentialsFile(credentials: SeedCredentials, file = defaultCredentialsFile()): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function readCredentialsFile(file = defaultCredentialsFile()): SeedCredentials {
  if (!existsSync(file)) throw new Error(`no credentials at ${file}: run pnpm seed first (it creates the device keys and staff tokens)`);
  return JSON.parse(readFileSync(file, 'utf8')) as SeedCredentials;
}
