/**
 * Screenshots and timings of the school office's page, against the running
 * platform (`./platform up`, then `pnpm seed`):
 *
 *   pnpm --filter @attendance/scripts screenshots [--school school-0001] [--url http://127.0.0.1:8081]
 *
 * Signs in with the school's staff token from `.secrets/credentials.json`,
 * writes PNGs at 1280x800 and 768x1024 (sign-in, school page, a student's
 * day) to `results/screenshots/`, measures first render and filtering, prints
 * them and writes `results/office-page-<time>.json`.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readCredentialsFile } from '../shared/credentials-file.ts';
import { writeResultsFile } from '../shared/results-file.ts';
import { launchChromium, measureOfficePage, signIn, waitForRoster } from './browser.ts';

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'tablet', width: 768, height: 1024 },
];

const { values } = parseArgs({
  options: {
    school: { type: 'string' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.DASHBOARD_PORT ?? '8081'}` },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: pnpm --filter @attendance/scripts screenshots [--school ID] [--url DASHBOARD_URL]\n');
  process.exit(0);
}

const credentials = readCredentialsFile();
const schoolId = values.school ?? Object.keys(credentials.staff)[0];
const token = schoolId === undefined ? undefined : credentials.staff[schoolId];
if (schoolId === undefined || token === undefined) throw new Error(`no staff token for ${schoolId ?? 'any school'} in the credentials file: run pnpm seed`);

const outDir = fileURLToPath(new URL('../../../results/screenshots/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const browser = await launchChromium();
const timings = [];
try {
  for (const viewport of VIEWPORTS) {
    const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${values.url}/`);
    await page.screenshot({ path: `${outDir}sign-in-${viewport.width}x${viewport.height}.png` });
    await signIn(page, values.url, token);
    await waitForRoster(page);
    // The live indicator first: the screenshot shows the page as the office sees it once connected.
    await page.locator('#live[data-live="live"]').waitFor({ timeout: 10_000 }).catch(() => undefined);
    await page.screenshot({ path: `${outDir}school-${viewport.width}x${viewport.height}.png` });
    await page.screenshot({ path: `${outDir}school-full-${viewport.width}x${viewport.height}.png`, fullPage: true });
    await page.locator('#roster tbody button').first().click();
    await page.locator('dialog.student h2').waitFor();
    await page.locator('dialog.student .state').waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await page.screenshot({ path: `${outDir}student-${viewport.width}x${viewport.height}.png` });
    const measured = await measureOfficePage(page, values.url, schoolId);
    timings.push({ viewport: `${viewport.width}x${viewport.height}`, ...measured });
    process.stdout.write(
      `${viewport.width}x${viewport.height}: ${measured.students} students; counters ${measured.countersMs} ms, roster first render ${measured.firstRenderMs} ms (roster ${Math.round(measured.rosterBytes / 1024)} KB in ${measured.rosterRequestMs} ms); filter ${Object.entries(measured.filterMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}; search ${measured.searchMs} ms\n`,
    );
    await context.close();
  }
} finally {
  await browser.close();
}
const file = writeResultsFile(`office-page-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, { at: new Date().toISOString(), url: values.url, schoolId, timings });
process.stdout.write(`screenshots in ${outDir}\ntimings in ${file}\n`);
