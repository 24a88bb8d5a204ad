import { type DeviceDocument, DEVICES_COLLECTION, newDevice, newStaffToken, STAFF_TOKENS_COLLECTION, type StaffTokenDocument } from '@attendance/common/credentials';
import type { Db } from 'mongodb';
import type { Progress } from '../shared/progress.ts';
import type { SeedCredentials } from '../shared/credentials-file.ts';

/** The label of every credential the seed creates: the next seed run revokes them. */
export const SEED_LABEL = 'seed';

const CHUNK = 1000;

/**
 * One device key and one staff token per school, and one admin token, made
 * by the same code as the CLI (`newDevice`, `newStaffToken`) and inserted in
 * chunks. Credentials of an earlier seed run are revoked first, so re-seeding
 * never leaves old keys working.
 */
export async function seedCredentials(db: Db, schoolIds: string[], options: { progress?: Progress } = {}): Promise<SeedCredentials> {
  const devices = db.collection<DeviceDocument>(DEVICES_COLLECTION);
  const staff = db.collection<StaffTokenDocument>(STAFF_TOKENS_COLLECTION);
  const now = new Date();
  await devices.updateMany({ label: SEED_LABEL, revokedAt: null }, { $set: { revokedAt: now } });
  await staff.updateMany({ label: SEED_LABEL, revokedAt: null }, { $set: { revokedAt: now } });

  const credentials: SeedCredentials = { createdAt: now.toISOString(), database: db.databaseName, devices: {}, staff: {}, admin: '' };
  const admin = newStaffToken({ role: 'admin', label: SEED_LABEL, now });
  await staff.insertOne(admin.document);
  credentials.admin = admin.token;
  for (let i = 0; i < schoolIds.length; i += CHUNK) {
    const chunk = schoolIds.slice(i, i + CHUNK);
    const newDevices = chunk.map((schoolId) => ({ schoolId, ...newDevice({ schoolId, label: SEED_LABEL, now }) }));
    const newTokens = chunk.map((schoolId) => ({ schoolId, ...newStaffToken({ role: 'school', schoolId, label: SEED_LABEL, now }) }));
    await devices.insertMany(newDevices.map((device) => device.document), { ordered: false });
    await staff.insertMany(newTokens.map((token) => token.document), { ordered: false });
    for (const device of newDevices) credentials.devices[device.schoolId] = device.key;
    for (const token of newTokens) credentials.staff[token.schoolId] = token.token;
    options.progress?.update(i + chunk.length);
  }
  return credentials;
}
