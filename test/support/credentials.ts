import { createDevice, createStaffToken, type StaffRole } from '@attendance/common/credentials';
import { connectMongo, type SchoolDocument, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import type { testNamespace } from './stack.ts';

type Namespace = ReturnType<typeof testNamespace>;

/**
 * Device keys by service origin and school: `postJson` signs a record with
 * the key of its school for the service it is sent to, as a school's device
 * would. Filled by {@link provisionDevices}.
 */
const deviceKeys = new Map<string, Map<string, string>>();
/** An admin staff token by dashboard origin: `getJson` reads as it unless told otherwise. */
const staffTokens = new Map<string, string>();

/**
 * Puts the schools on the namespace's roster (if missing) and creates one
 * device key for each, through the same code as the CLI and the seed.
 * Call it before the service starts (it reads the keys at start-up) or wait
 * for its next refresh.
 */
export async function provisionDevices(ns: Namespace, schoolIds: string[]): Promise<Map<string, string>> {
  const mongo = await connectMongo(ns.mongoUrl);
  try {
    const schools = mongo.db.collection<SchoolDocument>(SCHOOLS_COLLECTION);
    const keys = new Map<string, string>();
    for (const schoolId of schoolIds) {
      await schools.updateOne({ _id: schoolId }, { $setOnInsert: { name: schoolId, createdAt: new Date() } }, { upsert: true });
      keys.set(schoolId, (await createDevice(mongo.db, { schoolId, label: 'test device' })).key);
    }
    return keys;
  } finally {
    await mongo.client.close();
  }
}

/** A staff token in the namespace's database (the school must be on its roster for role `school`). */
export async function provisionStaffToken(ns: Namespace, role: StaffRole, schoolId?: string): Promise<{ id: string; token: string }> {
  const mongo = await connectMongo(ns.mongoUrl);
  try {
    return await createStaffToken(mongo.db, { role, label: 'test', ...(schoolId === undefined ? {} : { schoolId }) });
  } finally {
    await mongo.client.close();
  }
}

export function registerDeviceKeys(url: string, keys: Map<string, string>): void {
  const origin = new URL(url).origin;
  deviceKeys.set(origin, new Map([...(deviceKeys.get(origin) ?? []), ...keys]));
}

/** The device key registered for the school at the service behind `url`, if any. */
export function deviceKeyFor(url: string, schoolId: unknown): string | undefined {
  return typeof schoolId === 'string' ? deviceKeys.get(new URL(url).origin)?.get(schoolId) : undefined;
}

export function registerStaffToken(url: string, token: string): void {
  staffTokens.set(new URL(url).origin, token);
}

export function staffTokenFor(url: string): string | undefined {
  return staffTokens.get(new URL(url).origin);
}
