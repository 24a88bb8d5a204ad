import { DEVICES_COLLECTION, hashCredentialSecret, STAFF_TOKENS_COLLECTION } from '@attendance/common/credentials';
import { connectMongo, type MongoConnection, SCHOOLS_COLLECTION } from '@attendance/common/mongo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNamespace } from '../../../test/support/stack.ts';
import { runCredentialCommand, type CredentialCommand } from '../../src/entry-points/cli/credential-commands.ts';

const ns = testNamespace('credcli');
let mongo: MongoConnection;

async function run(command: CredentialCommand, ...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCredentialCommand(command, args, ns.mongoUrl, (line) => lines.push(line));
  return { code, lines };
}

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection(SCHOOLS_COLLECTION).insertOne({ _id: 'school-0001', name: 'One', createdAt: new Date() } as never);
});

afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
});

describe('job device:create / device:list / device:revoke', () => {
  it('prints a new key once, stores only its hash, lists the device without it, and revokes it', async () => {
    const created = await run('device:create', '--school', 'school-0001', '--label', 'gate-1', '--json');
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.lines[0] as string) as { id: string; key: string };
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    const stored = await mongo.db.collection(DEVICES_COLLECTION).findOne({ _id: id } as never);
    expect(stored).toMatchObject({ schoolId: 'school-0001', label: 'gate-1', keyHash: hashCredentialSecret(key), revokedAt: null });
    expect(JSON.stringify(stored)).not.toContain(key);

    const listed = await run('device:list');
    expect(listed.lines.join('\n')).toContain(id);
    expect(listed.lines.join('\n')).not.toContain(key);

    expect((await run('device:revoke', '--id', id)).code).toBe(0);
    expect((await mongo.db.collection(DEVICES_COLLECTION).findOne({ _id: id } as never))?.revokedAt).toBeInstanceOf(Date);
    expect((await run('device:revoke', '--id', id)).code).toBe(1);
  });

  it('refuses a school that is not on the roster, and a missing flag', async () => {
    expect((await run('device:create', '--school', 'nowhere', '--label', 'x')).code).toBe(1);
    expect((await run('device:create', '--school', 'school-0001')).code).toBe(2);
  });
});

describe('job staff:create / staff:list / staff:revoke', () => {
  it('creates school and admin tokens, lists them without secrets, and revokes one', async () => {
    const school = await run('staff:create', '--role', 'school', '--school', 'school-0001', '--label', 'office', '--json');
    const admin = await run('staff:create', '--role', 'admin', '--label', 'district', '--json');
    expect([school.code, admin.code]).toEqual([0, 0]);
    const schoolToken = JSON.parse(school.lines[0] as string) as { id: string; token: string };
    const adminToken = JSON.parse(admin.lines[0] as string) as { id: string; token: string };
    expect(await mongo.db.collection(STAFF_TOKENS_COLLECTION).findOne({ _id: adminToken.id } as never)).toMatchObject({ role: 'admin', schoolId: null });
    const listed = (await run('staff:list')).lines.join('\n');
    expect(listed).toContain(schoolToken.id);
    expect(listed).not.toContain(schoolToken.token);
    expect((await run('staff:revoke', '--id', schoolToken.id)).code).toBe(0);
    expect((await run('staff:create', '--role', 'admin', '--school', 'school-0001', '--label', 'x')).code).toBe(2);
  });
});
