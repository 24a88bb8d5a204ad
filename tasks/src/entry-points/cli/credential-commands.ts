/**
 * Device keys and staff tokens, from the command line (through `job`):
 *   job device:create --school school-0001 --label gate-1   prints the key, once
 *   job device:list                                         never prints keys (only hashes are stored)
 *   job device:revoke --id dev-...
 *   job staff:create --role school --school school-0001 --label office
 *   job staff:create --role admin --label district
 *   job staff:list
 *   job staff:revoke --id stf-...
 * Revocation reaches every running replica within CREDENTIALS_REFRESH_MS (2 s) plus one read.
 */
import { parseArgs } from 'node:util';
import { createDevice, createStaffToken, listDevices, listStaffTokens, revokeDevice, revokeStaffToken, UnknownSchoolError } from '@attendance/common/credentials';
import { connectMongo } from '@attendance/common/mongo';

export const credentialCommands = ['device:create', 'device:list', 'device:revoke', 'staff:create', 'staff:list', 'staff:revoke'] as const;
export type CredentialCommand = (typeof credentialCommands)[number];

export const credentialUsage = `usage: job device:create --school ID --label TEXT | device:list | device:revoke --id ID
       job staff:create --role school --school ID --label TEXT | staff:create --role admin --label TEXT | staff:list | staff:revoke --id ID`;

export function isCredentialCommand(name: string | undefined): name is CredentialCommand {
  return credentialCommands.includes(name as CredentialCommand);
}

class UsageError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${flag} is required`);
  return value;
}

const iso = (date: Date | null | undefined): string => (date ? date.toISOString() : '-');

/** Runs one credential command against MONGO_URL; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCredentialCommand(command: CredentialCommand, args: string[], mongoUrl: string, out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  let values: { school?: string | undefined; label?: string | undefined; id?: string | undefined; role?: string | undefined; json?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args, allowPositionals: false, options: { school: { type: 'string' }, label: { type: 'string' }, id: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${credentialUsage}\n`);
    return 2;
  }
  const mongo = await connectMongo(mongoUrl);
  try {
    switch (command) {
      case 'device:create': {
        const { id, key } = await createDevice(mongo.db, { schoolId: required(values.school, 'school'), label: required(values.label, 'label') });
        out(values.json ? JSON.stringify({ id, schoolId: values.school, key }) : `device ${id} for ${values.school}\nkey (shown once, store it on the device): ${key}`);
        return 0;
      }
      case 'staff:create': {
        const role = required(values.role, 'role');
        if (role !== 'school' && role !== 'admin') throw new UsageError('--role is school or admin');
        if (role === 'admin' && values.school !== undefined) throw new UsageError('an admin token reads every school: no --school');
        const { id, token } = await createStaffToken(mongo.db, { role: role, label: required(values.label, 'label'), ...(role === 'school' ? { schoolId: required(values.school, 'school') } : {}) });
        out(values.json ? JSON.stringify({ id, role, schoolId: values.school ?? null, token }) : `staff token ${id} (${role}${role === 'school' ? ` of ${values.school}` : ''})\ntoken (shown once): ${token}`);
        return 0;
      }
      case 'device:list': {
        const devices = await listDevices(mongo.db);
        if (values.json) out(JSON.stringify(devices));
        else for (const d of devices) out(`${d._id}  ${d.schoolId}  ${JSON.stringify(d.label)}  created ${iso(d.createdAt)}  last seen ${iso(d.lastSeenAt)}  ${d.revokedAt ? `revoked ${iso(d.revokedAt)}` : 'active'}`);
        return 0;
      }
      case 'staff:list': {
        const tokens = await listStaffTokens(mongo.db);
        if (values.json) out(JSON.stringify(tokens));
        else for (const t of tokens) out(`${t._id}  ${t.role}  ${t.schoolId ?? '*'}  ${JSON.stringify(t.label)}  created ${iso(t.createdAt)}  last seen ${iso(t.lastSeenAt)}  ${t.revokedAt ? `revoked ${iso(t.revokedAt)}` : 'active'}`);
        return 0;
      }
      case 'device:revoke':
      case 'staff:revoke': {
        const id = required(values.id, 'id');
        const revoked = command === 'device:revoke' ? await revokeDevice(mongo.db, id) : await revokeStaffToken(mongo.db, id);
        out(revoked ? `${id} revoked (refused everywhere within seconds)` : `${id}: no such active credential`);
        return revoked ? 0 : 1;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${credentialUsage}\n`);
      return 2;
    }
    if (err instanceof UnknownSchoolError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await mongo.client.close();
  }
}
