import { revokeStaffToken } from '@attendance/common/credentials';
import { connectMongo, type MongoConnection } from '@attendance/common/mongo';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValue, launchChromium, measureOfficePage, signIn, waitForRoster, type PageGlobals } from '../../../scripts/src/office-page/browser.ts';
import { writeResultsFile } from '../../../scripts/src/shared/results-file.ts';
import { provisionStaffToken } from '../../../test/support/credentials.ts';
import { getJson, postBatchesPerSchool, postJson, runAttendanceService, runDashboardService, type RunningService, stopServices } from '../../../test/support/services.ts';
import { testNamespace } from '../../../test/support/stack.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

/**
 * The school office's page in a real browser (Debian's chromium, driven by
 * playwright-core) against the real services: school A (40 students, 25 in,
 * 5 of them out), school B (another office), and a 10,000-student school
 * whose first render and filtering are measured.
 */
const ns = testNamespace('office');
const BIG_SCHOOL_STUDENTS = 10_000;
let attendance: RunningService;
let dashboard: RunningService & { adminToken: string };
let mongo: MongoConnection;
let browser: Browser;
let tokenA: { id: string; token: string };
let tokenBig: { id: string; token: string };

const studentsOf = (schoolId: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ _id: `${schoolId}-${String(i).padStart(5, '0')}`, schoolId, name: `Pupil ${schoolId.slice(-1).toUpperCase()}${i}`, createdAt: new Date() }));
const schoolA = studentsOf('office-a', 40);
const schoolBig = studentsOf('office-z', BIG_SCHOOL_STUDENTS);

const checkIn = (student: { _id: string; schoolId: string }, at = Date.now() - 60_000) => ({ type: 'checkin', userId: student._id, schoolId: student.schoolId, timestamp: at, temperature: 36.6 });
const checkOut = (student: { _id: string; schoolId: string }) => ({ type: 'checkout', userId: student._id, schoolId: student.schoolId, timestamp: Date.now(), temperature: 36.7 });

async function openAs(token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${dashboard.url}/`);
  await page.evaluate((value) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('attendance.staffToken', value), token);
  return { context, page };
}

beforeAll(async () => {
  mongo = await connectMongo(ns.mongoUrl);
  await mongo.db.collection('schools').insertMany([
    { _id: 'office-a', name: 'Alder Primary', createdAt: new Date() },
    { _id: 'office-b', name: 'Birch Primary', createdAt: new Date() },
    { _id: 'office-z', name: 'Zelkova Academy', createdAt: new Date() },
  ] as never[]);
  for (let i = 0; i < schoolBig.length; i += 2_000) await mongo.db.collection('students').insertMany(schoolBig.slice(i, i + 2_000) as never[]);
  await mongo.db.collection('students').insertMany(schoolA as never[]);
  attendance = await runAttendanceService(ns, {}, undefined, ['office-a', 'office-b', 'office-z']);
  // Short fetch waits and figure reads: the page's 2-second promise is measured against the consumer, not its batching knobs.
  dashboard = await runDashboardService(ns, { FIGURES_REFRESH_MS: '200', CONSUMER_FETCH_MAX_WAIT_MS: '100', CREDENTIALS_REFRESH_MS: '200' });
  tokenA = await provisionStaffToken(ns, 'school', 'office-a');
  tokenBig = await provisionStaffToken(ns, 'school', 'office-z');
  const records = [...schoolA.slice(0, 25).map((s) => checkIn(s)), ...schoolBig.slice(0, 6_000).map((s) => checkIn(s))];
  expect((await postBatchesPerSchool(attendance.url, records)).accepted).toBe(records.length);
  const outs = [...schoolA.slice(0, 5).map(checkOut), ...schoolBig.slice(0, 1_500).map(checkOut)];
  expect((await postBatchesPerSchool(attendance.url, outs)).accepted).toBe(outs.length);
  await waitFor(async () => (await getJson(`${dashboard.url}/schools/office-z`)).body.checkOuts === 1_500 && (await getJson(`${dashboard.url}/schools/office-a`)).body.checkOuts === 5, {
    what: 'the records to be stored',
    timeoutMs: 60_000,
  });
  // The new school tokens are known to the dashboard after its next read of the tokens.
  await waitFor(async () => (await getJson(`${dashboard.url}/schools/office-a`, tokenA.token)).status === 200, { what: 'the school token to be known' });
  await waitFor(async () => (await getJson(`${dashboard.url}/schools/office-z`, tokenBig.token)).status === 200, { what: 'the school token to be known' });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopServices({ dashboard, attendance, mongo });
});

describe('the school office page', () => {
  it('is served by dashboard-service: HTML to browsers, JSON to API clients on the same path, scripts as files under the CSP', async () => {
    const html = await fetch(`${dashboard.url}/schools/office-a`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('cache-control')).toBe('no-store');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await html.text();
    // The shell holds no data (it needs no token) and no inline script.
    expect(page).not.toContain('Alder');
    expect(page).not.toMatch(/<script>/);
    const script = /<script type="module" src="([^"]+)"/.exec(page)?.[1] ?? '';
    const asset = await fetch(`${dashboard.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Without a browser's Accept, the path is the JSON API, credential required.
    const api = await fetch(`${dashboard.url}/schools/office-a`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthorized' });
    expect((await getJson(`${dashboard.url}/schools/office-a`, tokenA.token)).body).toMatchObject({ schoolId: 'office-a', name: 'Alder Primary' });
  });

  it("signs in with a school token, lands on its school and shows the same counters as GET /schools/:id", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, dashboard.url, tokenA.token);
    expect(new URL(page.url()).pathname).toBe('/schools/office-a');
    await waitForRoster(page);
    const api = (await getJson(`${dashboard.url}/schools/office-a`, tokenA.token)).body;
    await expect.poll(() => counterValue(page, 'checkIns')).toBe(api.checkIns);
    expect(api).toMatchObject({ checkIns: 25, checkOuts: 5, presentNow: 20 });
    for (const key of ['checkIns', 'checkOuts', 'presentNow', 'fevers', 'lates', 'excused', 'absent']) {
      expect(await counterValue(page, key), key).toBe(typeof api[key] === 'number' ? api[key] : null);
    }
    await expect.poll(() => page.locator('#school-title').textContent()).toBe('Alder Primary');
    // The roster: 40 students, 20 present, 5 out, 15 absent; a search finds one by name.
    expect(await page.locator('label[for="filter-absent"] .count').textContent()).toBe('15');
    expect(await page.locator('label[for="filter-checked-out"] .count').textContent()).toBe('5');
    await page.getByLabel('Search').fill('Pupil A39');
    await expect.poll(() => page.locator('#roster tbody tr').count()).toBe(1);
    expect(await page.locator('#roster tbody tr').first().getAttribute('data-status')).toBe('absent');
    await context.close();
  });

  it('shows a check-in posted to attendance-service within 2 s, without a reload', async () => {
    const { context, page } = await openAs(tokenA.token);
    await page.goto(`${dashboard.url}/schools/office-a`);
    await waitForRoster(page);
    await page.locator('#live[data-live="live"]').waitFor({ timeout: 10_000 });
    const before = await counterValue(page, 'checkIns');
    const student = schoolA[30] as (typeof schoolA)[number];
    await page.getByLabel('Search').fill(student._id);
    const response = await postJson(`${attendance.url}/attendances`, checkIn(student, Date.now()));
    expect(response.status).toBe(202);
    const acceptedAt = Date.now();
    // The same page (no navigation since): the counter and the student's row follow within 2 s of the 202.
    await page.waitForFunction(
      ([expected]) => {
        const { document } = globalThis as unknown as PageGlobals;
        return document.querySelector('[data-counter="checkIns"]')?.textContent === String(expected) && document.querySelector('#roster tbody tr[data-status="present"]') !== null;
      },
      [(before ?? 0) + 1],
      { timeout: 2_000, polling: 50 },
    );
    const seenMs = Date.now() - acceptedAt;
    process.stdout.write(`office page: check-in visible ${seenMs} ms after its 202\n`);
    await context.close();
  });

  it('excuses an absent student: "absent" becomes "excused" on the page and in the API; undoing it makes them absent again', async () => {
    const { context, page } = await openAs(tokenA.token);
    await page.goto(`${dashboard.url}/schools/office-a`);
    await waitForRoster(page);
    const student = schoolA[35] as (typeof schoolA)[number];
    await page.getByLabel('Search').fill(student._id);
    await expect.poll(() => page.locator('#roster tbody tr').first().getAttribute('data-status')).toBe('absent');
    const excusedBefore = await counterValue(page, 'excused');
    await page.locator('#roster tbody button').first().click();
    await page.getByLabel('Reason').selectOption('sick');
    await page.getByLabel('Note (optional)').fill('Called in at 8:05');
    await page.getByRole('button', { name: 'Excuse absence' }).click();
    await expect.poll(() => page.locator('dialog .result').textContent(), { timeout: 10_000 }).toBe('Excuse: done.');
    expect(await page.locator('#student-status').textContent()).toBe('Excused');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#roster tbody tr').first().getAttribute('data-status'), { timeout: 5_000 }).toBe('excused');
    await expect.poll(() => counterValue(page, 'excused'), { timeout: 5_000 }).toBe((excusedBefore ?? 0) + 1);
    const day = (await getJson(`${dashboard.url}/schools/office-a/students/${student._id}/days/${new Date().toISOString().slice(0, 10)}`, tokenA.token)).body;
    expect(day).toMatchObject({ status: 'excused', excused: { reason: 'sick', note: 'Called in at 8:05' } });
    const excused = (await getJson(`${dashboard.url}/schools/office-a/attendances?status=excused`, tokenA.token)).body.items as { userId: string }[];
    expect(excused.map((item) => item.userId)).toContain(student._id);
    const absent = (await getJson(`${dashboard.url}/schools/office-a/attendances?status=absent&limit=1000`, tokenA.token)).body.items as { userId: string }[];
    expect(absent.map((item) => item.userId)).not.toContain(student._id);
    // The office undoes its own excuse: the student is absent again.
    await page.locator('#roster tbody button').first().click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.locator('dialog .result').textContent(), { timeout: 10_000 }).toBe('Undo: done.');
    expect(await page.locator('#student-status').textContent()).toBe('Absent');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#roster tbody tr').first().getAttribute('data-status'), { timeout: 5_000 }).toBe('absent');
    await context.close();
  });

  it('adds a missed check-in: the student leaves "absent" on the page and the counter follows', async () => {
    const { context, page } = await openAs(tokenA.token);
    await page.goto(`${dashboard.url}/schools/office-a`);
    await waitForRoster(page);
    const student = schoolA[36] as (typeof schoolA)[number];
    await page.getByLabel('Search').fill(student._id);
    await expect.poll(() => page.locator('#roster tbody tr').first().getAttribute('data-status')).toBe('absent');
    const checkInsBefore = (await counterValue(page, 'checkIns')) ?? 0;
    await page.locator('#roster tbody button').first().click();
    // A time of today that has passed (the service refuses one in the future), in the tests' zone (UTC).
    const missedAt = new Date(Math.max(Date.now() - 10 * 60_000, Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`)));
    await page.getByLabel('Check-in time').fill(missedAt.toISOString().slice(11, 16));
    await page.getByRole('button', { name: 'Add missed check-in' }).click();
    await expect.poll(() => page.locator('dialog .result').textContent(), { timeout: 10_000 }).toBe('Add missed check-in: done.');
    expect(await page.locator('dialog .history').textContent()).toContain('Check-in by the office');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#roster tbody tr').first().getAttribute('data-status'), { timeout: 5_000 }).not.toBe('absent');
    await expect.poll(() => counterValue(page, 'checkIns'), { timeout: 5_000 }).toBe(checkInsBefore + 1);
    await context.close();
  });

  it("downloads today's attendance as CSV with the signed-in token", async () => {
    const { context, page } = await openAs(tokenA.token);
    await page.goto(`${dashboard.url}/schools/office-a`);
    await waitForRoster(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: "Today's attendance (CSV)" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^office-a-\d{4}-\d{2}-\d{2}\.csv$/);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const csv = Buffer.concat(chunks).toString('utf8');
    expect(csv.split('\n')[0]).toContain('userId');
    expect(csv).toContain('office-a-00000');
    await context.close();
  });

  it('lets an admin token pick any school', async () => {
    const context = await browser.newContext({ viewport: { width: 768, height: 1024 } });
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/`);
    await page.getByLabel('Staff token').fill(dashboard.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Find a school').fill('birch');
    await page.getByRole('link', { name: /Birch Primary/ }).click();
    await page.waitForURL(/\/schools\/office-b$/);
    await waitForRoster(page);
    expect(await page.locator('#school-title').textContent()).toBe('Birch Primary');
    expect(await page.getByRole('link', { name: 'All schools' }).isVisible()).toBe(true);
    await context.close();
  });

  it("refuses another school's page to a school token", async () => {
    const { context, page } = await openAs(tokenA.token);
    await page.goto(`${dashboard.url}/schools/office-b`);
    await page.locator('main[data-state="forbidden"]').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not your school');
    expect(await page.locator('#counters').count()).toBe(0);
    expect((await getJson(`${dashboard.url}/schools/office-b`, tokenA.token)).status).toBe(403);
    expect((await getJson(`${dashboard.url}/schools/office-b/roster`, tokenA.token)).status).toBe(403);
    await context.close();
  });

  it('sends a revoked token back to sign-in, saying the session expired', async () => {
    const revoked = await provisionStaffToken(ns, 'school', 'office-a');
    await waitFor(async () => (await getJson(`${dashboard.url}/schools/office-a`, revoked.token)).status === 200, { what: 'the token to be known' });
    expect(await revokeStaffToken(mongo.db, revoked.id)).toBe(true);
    await waitFor(async () => (await getJson(`${dashboard.url}/schools/office-a`, revoked.token)).status === 401, { what: 'the revocation to be read' });
    const { context, page } = await openAs(revoked.token);
    await page.goto(`${dashboard.url}/schools/office-a`);
    await page.waitForURL(/\/\?reason=expired/);
    expect(await page.locator('#sign-in-message').textContent()).toContain('expired');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('attendance.staffToken'))).toBeNull();
    // Signing in again returns to the page the user was on.
    await page.getByLabel('Staff token').fill(tokenA.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/schools\/office-a$/);
    await context.close();
  });

  it('says so when the service becomes unavailable while the page is open', async () => {
    // A second dashboard (a read replica, no consumer) that this test stops: a real outage, not a faked answer.
    const replica = await runDashboardService(ns, { CONSUMER_ENABLED: 'false', FIGURES_REFRESH_MS: '200' });
    try {
      await waitFor(async () => (await getJson(`${replica.url}/schools/office-a`, tokenA.token)).status === 200, { what: 'the replica to know the token' });
      const context = await browser.newContext({ viewport: { width: 768, height: 1024 } });
      const page = await context.newPage();
      await signIn(page, replica.url, tokenA.token);
      await waitForRoster(page);
      expect(await page.locator('.banner').isHidden()).toBe(true);
      await replica.handle.stop();
      await page.locator('#live[data-live="reconnecting"]').waitFor({ timeout: 10_000 });
      await page.locator('.banner', { hasText: 'unavailable' }).waitFor({ timeout: 10_000 });
      // What was shown stays on screen, marked out of date.
      expect(await page.locator('#roster tbody tr').count()).toBeGreaterThan(0);
      await context.close();
    } finally {
      await replica.handle.stop();
    }
  });

  it('stays responsive with 10,000 students: first render and filtering are measured', async () => {
    const { context, page } = await openAs(tokenBig.token);
    // The first opening of a school reads its roster from the store; later ones (any tab) find it cached and read only the day's records.
    const runs = { cold: await measureOfficePage(page, dashboard.url, 'office-z'), warm: await measureOfficePage(page, dashboard.url, 'office-z') };
    for (const [label, timings] of Object.entries(runs)) {
      process.stdout.write(
        `office page, ${timings.students} students, ${label}: roster first render ${timings.firstRenderMs} ms after navigation (counters ${timings.countersMs} ms; roster ${Math.round(timings.rosterBytes / 1024)} KB in ${timings.rosterRequestMs} ms); filter ${Object.entries(timings.filterMs)
          .map(([status, ms]) => `${status} ${ms} ms`)
          .join(', ')}; search ${timings.searchMs} ms\n`,
      );
    }
    const file = writeResultsFile(`office-page-test-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { at: new Date().toISOString(), schoolId: 'office-z', ...runs });
    process.stdout.write(`office page timings: ${file}\n`);
    expect(runs.cold.students).toBe(BIG_SCHOOL_STUDENTS);
    // What the filters show is what was recorded: 4,500 present, 1,500 out, 4,000 absent.
    expect(await page.locator('label[for="filter-present"] .count').textContent()).toBe('4,500');
    expect(await page.locator('label[for="filter-checked-out"] .count').textContent()).toBe('1,500');
    expect(await page.locator('label[for="filter-absent"] .count').textContent()).toBe('4,000');
    expect(await page.locator('#roster tbody tr').count()).toBe(50);
    await context.close();
  });

});
