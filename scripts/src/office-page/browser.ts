import { chromium, type Browser, type Page } from 'playwright-core';

interface PageElement {
  textContent: string | null;
  value: string;
  click(): void;
  dispatchEvent(event: unknown): boolean;
}

/**
 * The page's globals that functions run by `page.evaluate` use. This code is
 * typed for Node (no DOM library in the workspace's program), so each such
 * function starts with `const w = globalThis as unknown as PageGlobals`.
 */
export interface PageGlobals {
  document: {
    getElementById(id: string): PageElement | null;
    querySelector(selector: string): PageElement | null;
    addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
  };
  performance: {
    now(): number;
    getEntriesByName(name: string): { startTime: number }[];
    getEntriesByType(type: 'resource'): { name: string; startTime: number; responseEnd: number; encodedBodySize: number }[];
  };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  requestAnimationFrame(callback: () => void): number;
  Event: new (type: string, init?: { bubbles?: boolean }) => unknown;
}

/**
 * Debian's chromium (the stack installs it: stack/stack.sh). playwright-core
 * never downloads a browser; `CHROMIUM_PATH` points at another one.
 */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless chromium. `--no-sandbox`: the stack runs as root on CI machines, where chromium refuses its sandbox. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Signs in through the page's form, as the office would, and waits for the school page it lands on. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Staff token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/schools\/[^/]+$/);
}

/** The roster's first page is on screen. */
export async function waitForRoster(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.locator('main[data-roster="ready"]').waitFor({ timeout: timeoutMs });
}

/** The text of a counter (`checkIns`, `absent`, ...) as a number (null while it shows "—"). */
export async function counterValue(page: Page, key: string): Promise<number | null> {
  const text = (await page.locator(`[data-counter="${key}"]`).textContent()) ?? '';
  const digits = text.replace(/[^0-9]/g, '');
  return digits === '' ? null : Number(digits);
}

export interface OfficePageTimings {
  students: number;
  /** From navigation start to the counters on screen (ms). */
  countersMs: number;
  /** From navigation start to the roster's first page on screen (ms). */
  firstRenderMs: number;
  /** The roster's own answer: bytes and the time the request took in the browser. */
  rosterBytes: number;
  rosterRequestMs: number;
  /** From a click on a status filter to the next painted frame (ms), per filter. */
  filterMs: Record<string, number>;
  /** From a keystroke in the search box to the next painted frame (ms). */
  searchMs: number;
}

/**
 * Opens the school page (signed in already: the token is in sessionStorage)
 * and measures what an office user waits for: first render, a status filter,
 * a search. Each interaction is timed inside the page, from the event to the
 * frame after the roster re-rendered.
 */
export async function measureOfficePage(page: Page, baseUrl: string, schoolId: string): Promise<OfficePageTimings> {
  await page.goto(`${baseUrl}/schools/${schoolId}`);
  await waitForRoster(page);
  // No named helper inside evaluated functions: tsx would wrap it in a `__name` call the page does not have.
  const loading = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    const roster = w.performance.getEntriesByType('resource').find((entry) => entry.name.includes('/roster'));
    return {
      countersMs: w.performance.getEntriesByName('office:counters-first-render')[0]?.startTime ?? -1,
      firstRenderMs: w.performance.getEntriesByName('office:roster-first-render')[0]?.startTime ?? -1,
      rosterBytes: roster?.encodedBodySize ?? -1,
      rosterRequestMs: roster ? roster.responseEnd - roster.startTime : -1,
      students: Number(w.document.querySelector('label[for="filter-all"] .count')?.textContent?.replace(/[^0-9]/g, '') ?? 0),
    };
  });
  const timed = (act: string, value: string): Promise<number> =>
    page.evaluate(
      ([kind, arg]) =>
        new Promise<number>((resolve) => {
          const w = globalThis as unknown as PageGlobals;
          const started = w.performance.now();
          w.document.addEventListener('roster-rendered', () => w.requestAnimationFrame(() => w.requestAnimationFrame(() => resolve(w.performance.now() - started))), { once: true });
          if (kind === 'filter') w.document.getElementById(`filter-${arg}`)?.click();
          else {
            const search = w.document.getElementById('roster-search');
            if (!search) throw new Error('no search box');
            search.value = arg;
            search.dispatchEvent(new w.Event('input', { bubbles: true }));
          }
        }),
      [act, value] as const,
    );
  const filterMs: Record<string, number> = {};
  for (const status of ['absent', 'present', 'checked-out', 'all']) filterMs[status] = Math.round((await timed('filter', status)) * 10) / 10;
  const searchMs = Math.round((await timed('search', '12')) * 10) / 10;
  await timed('search', '');
  return { ...loading, countersMs: Math.round(loading.countersMs), firstRenderMs: Math.round(loading.firstRenderMs), rosterRequestMs: Math.round(loading.rosterRequestMs), filterMs, searchMs };
}
