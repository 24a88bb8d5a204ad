import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { SCHOOLS_COLLECTION, type SchoolDocument } from '../roster.ts';
import { DEVICES_COLLECTION, STAFF_TOKENS_COLLECTION, type DeviceDocument, type StaffRole, type StaffTokenDocument } from './credential-documents.ts';
import { hashCredentialSecret, newCredentialSecret } from './credential-secret.ts';

/** A credential as listed: everything but the hash. */
export type DeviceListing = Omit<DeviceDocument, 'keyHash'>;
export type StaffTokenListing = Omit<StaffTokenDocument, 'keyHash'>;

export class UnknownSchoolError extends Error {
  override name = 'UnknownSchoolError';
}

const newId = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

async function assertSchoolExists(db: Db, schoolId: string): Promise<void> {
  const school = await db.collection<SchoolDocument>(SCHOOLS_COLLECTION).findOne({ _id: schoolId }, { projection: { _id: 1 } });
  if (!school) throw new UnknownSchoolError(`no school ${schoolId} in the roster (run pnpm seed, or add it to "schools")`);
}

/** A new device key and the document that stores its hash (for bulk creation: the seed). */
export function newDevice(input: { schoolId: string; label: string; now?: Date }): { key: string; document: DeviceDocument } {
  const key = newCredentialSecret('device');
  return {
    key,
    document: { _id: newId('dev'), keyHash: hashCredentialSecret(key), schoolId: input.schoolId, label: input.label, createdAt: input.now ?? new Date(), lastSeenAt: null, revokedAt: null },
  };
}

/** A new staff token and its document. */
export function newStaffToken(input: { role: StaffRole; schoolId?: string; label: string; now?: Date }): { token: string; document: StaffTokenDocument } {
  if (input.role === 'school' && input.schoolId === undefined) throw new UnknownSchoolError('a school token needs its school');
  const token = newCredentialSecret('staff');
  return {
    token,
    document: {
      _id: newId('stf'),
      keyHash: hashCredentialSecret(token),
      role: input.role,
      schoolId: input.role === 'school' ? (input.schoolId as string) : null,
      label: input.label,
      createdAt: input.now ?? new Date(),
      lastSeenAt: null,
      revokedAt: null,
    },
  };
}

/**
 * Creates a device key bound to one school of the roster. The key is
 * returned once and stored only as its hash: whoever loses it creates a new
 * one and revokes the old.
 */
export async function createDevice(db: Db, input: { schoolId: string; label: string; now?: Date }): Promise<{ id: string; key: string }> {
  await assertSchoolExists(db, input.schoolId);
  const { key, document } = newDevice(input);
  await db.collection<DeviceDocument>(DEVICES_COLLECTION).insertOne(document);
  return { id: document._id, key };
}

/** A staff token: role `school` reads its school only, `admin` everything. Returned once, stored as a hash. */
export async function createStaffToken(db: Db, input: { role: StaffRole; schoolId?: string; label: string; now?: Date }): Promise<{ id: string; token: string }> {
  const { token, document } = newStaffToken(input);
  if (document.schoolId !== null) await assertSchoolExists(db, document.schoolId);
  await db.collection<StaffTokenDocument>(STAFF_TOKENS_COLLECTION).insertOne(document);
  return { id: document._id, token };
}

export function listDevices(db: Db): Promise<DeviceListing[]> {
  return db.collection<DeviceDocument>(DEVICES_COLLECTION).find({}, { projection: { keyHash: 0 } }).sort({ _id: 1 }).toArray();
}

export function listStaffTokens(db: Db): Promise<StaffTokenListing[]> {
  return db.collection<StaffTokenDocument>(STAFF_TOKENS_COLLECTION).find({}, { projection: { keyHash: 0 } }).sort({ _id: 1 }).toArray();
}

/** Revokes a device key; true if it existed and was active. Every replica refuses it after its next refresh. */
export async function revokeDevice(db: Db, id: string, now = new Date()): Promise<boolean> {
  const result = await db.collection<DeviceDocument>(DEVICES_COLLECTION).updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now } });
  return result.modifiedCount === 1;
}

export async function revokeStaffToken(db: Db, id: string, now = new Date()): Promise<boolean> {
  const result = await db.collection<StaffTokenDocument>(STAFF_TOKENS_COLLECTION).updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now } });
  return result.modifiedCount === 1;
}
