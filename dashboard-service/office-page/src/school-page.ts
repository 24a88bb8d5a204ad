import { ApiError, apiFetch, getJson, type DayRoster, type SchoolFigures } from './api.ts';
import { announce, el, numberFormat } from './dom.ts';
import { followCounters, type LiveState } from './live-counters.ts';
import { monthChart, type SeriesDay } from './month-chart.ts';
import { RosterView } from './roster-view.ts';
import { StudentDialog } from './student-dialog.ts';

const COUNTERS: { key: keyof SchoolFigures; label: string }[] = [
  { key: 'checkIns', label: 'Checked in' },
  { key: 'lates', label: 'Late' },
  { key: 'presentNow', label: 'Present now' },
  { key: 'checkOuts', label: 'Checked out' },
  { key: 'absent', label: 'Absent' },
  { key: 'excused', label: 'Excused' },
  { key: 'fevers', label: 'Fevers' },
];

const LIVE_TEXT: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

/**
 * The roster is read again when the counters move, at most once a second and
 * at most half the time (a 10,000-student day takes a second or more to read
 * from FerretDB: an open page must not keep the store busy). One read in flight at a time.
 */
const ROSTER_REFRESH_MIN_MS = 1_000;
/** First load failed because the service is unavailable: try again this often. */
const RETRY_MS = 5_000;

function addDays(day: string, delta: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + delta);
  return date.toISOString().slice(0, 10);
}

function statePanel(title: string, text: string, ...extra: HTMLElement[]): HTMLElement {
  return el('section', { class: 'panel state-panel', role: 'alert' }, el('h1', {}, title), el('p', {}, text), ...extra);
}

/** Fetches with the token and saves the answer as a file (a plain link could not carry the bearer token). */
async function download(path: string, filename: string): Promise<void> {
  try {
    const response = await apiFetch(path, { headers: { accept: 'text/csv' } });
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce(`${filename} downloaded.`);
  } catch (err) {
    announce(err instanceof ApiError ? `Export failed: ${err.message}` : 'Export failed.', 'error');
  }
}

/** `/schools/:id`: counters (live), roster, last 30 days, exports. */
export function showSchoolPage(main: HTMLElement, nav: HTMLElement, schoolId: string): void {
  const path = `/schools/${encodeURIComponent(schoolId)}`;
  main.replaceChildren(el('p', { class: 'state', 'data-state': 'loading' }, 'Loading the school…'));

  const load = async (): Promise<void> => {
    let figures: SchoolFigures;
    try {
      figures = await getJson<SchoolFigures>(path);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 403) {
        main.replaceChildren(statePanel('Not your school', `This token cannot open school ${schoolId}.`, el('a', { href: '/' }, 'Back to your school')));
        main.dataset.state = 'forbidden';
      } else if (err.status === 404) {
        main.replaceChildren(statePanel('No such school', `There is no school ${schoolId}.`, el('a', { href: '/' }, 'Back')));
        main.dataset.state = 'not-found';
      } else if (err.unavailable) {
        const retry = el('button', { type: 'button', class: 'primary' }, 'Try again');
        retry.addEventListener('click', () => void load());
        main.replaceChildren(statePanel('Service unavailable', 'The dashboard service cannot answer right now. Retrying every few seconds…', retry));
        main.dataset.state = 'unavailable';
        setTimeout(() => void load(), RETRY_MS);
      } else {
        main.replaceChildren(statePanel('Something went wrong', err.message));
      }
      return;
    }
    main.dataset.state = 'ready';
    render(figures);
  };

  const render = (initial: SchoolFigures): void => {
    let day = initial.day;
    const isAdminNav = el('a', { href: '/', class: 'link', hidden: true }, 'All schools');
    nav.prepend(isAdminNav);
    void getJson('/stats/today').then(
      () => (isAdminNav.hidden = false),
      () => undefined,
    );

    const live = el('span', { class: 'live', 'data-live': 'connecting', id: 'live', role: 'status' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'live-text' }, LIVE_TEXT.connecting));
    const title = el('h1', { id: 'school-title' }, initial.name);
    const dayLabel = el('p', { class: 'muted', id: 'school-day' });
    const banner = el('p', { class: 'banner', role: 'alert', hidden: true });
    const counterValues = new Map<string, HTMLElement>();
    const counters = el('dl', { class: 'counters', id: 'counters' });
    for (const { key, label } of COUNTERS) {
      const value = el('dd', { 'data-counter': key }, '—');
      counterValues.set(key, value);
      counters.append(el('div', { class: `counter counter-${key}` }, el('dt', {}, label), value));
    }
    const showFigures = (figures: SchoolFigures): void => {
      if (figures.day !== day) {
        day = figures.day;
        void refreshRoster(true);
      }
      dayLabel.textContent = `${new Date(`${figures.day}T12:00:00Z`).toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })} · ${schoolId}`;
      title.textContent = figures.name;
      for (const { key } of COUNTERS) {
        const value = figures[key];
        const element = counterValues.get(key);
        if (element) element.textContent = typeof value === 'number' ? numberFormat.format(value) : '—';
      }
    };

    const dialog = new StudentDialog(schoolId, () => day, () => void refreshRoster(true));
    const roster = new RosterView((userId, name) => void dialog.open(userId, name));
    const rosterState = el('p', { class: 'state', 'data-state': 'loading' }, 'Loading the roster…');
    roster.element.insertBefore(rosterState, roster.element.children[1] ?? null);

    let lastRosterAt = 0;
    let lastRosterMs = 0;
    let rosterInFlight: Promise<void> | undefined;
    let rosterAgain = false;
    let firstRoster = true;
    const refreshRoster = async (now = false): Promise<void> => {
      if (rosterInFlight) {
        rosterAgain = true;
        return;
      }
      const wait = now ? 0 : Math.max(0, lastRosterAt + Math.max(ROSTER_REFRESH_MIN_MS, 2 * lastRosterMs) - Date.now());
      rosterInFlight = (async () => {
        if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
        lastRosterAt = Date.now();
        try {
          const data = await getJson<DayRoster>(`${path}/roster?day=${day}`);
          lastRosterMs = Date.now() - lastRosterAt;
          roster.setRoster(data);
          rosterState.hidden = true;
          banner.hidden = true;
          if (firstRoster) {
            firstRoster = false;
            performance.mark('office:roster-first-render');
            main.dataset.roster = 'ready';
          }
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          banner.textContent = err.unavailable ? 'The service is unavailable: the roster shown may be out of date. Retrying…' : `The roster could not be read: ${err.message}`;
          banner.hidden = false;
          if (firstRoster) rosterState.textContent = 'The roster is not available right now.';
          rosterAgain = rosterAgain || err.unavailable;
        }
      })();
      try {
        await rosterInFlight;
      } finally {
        // Whatever the read threw, the next refresh must be able to start.
        rosterInFlight = undefined;
      }
      if (rosterAgain) {
        rosterAgain = false;
        void refreshRoster();
      }
    };

    const chartSlot = el('div', { class: 'chart-slot' }, el('p', { class: 'state' }, 'Loading the last 30 days…'));
    const loadChart = async (): Promise<void> => {
      try {
        const { series } = await getJson<{ series: SeriesDay[] }>(`${path}/reports?from=${addDays(day, -29)}&to=${day}`);
        chartSlot.replaceChildren(monthChart(series));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        chartSlot.replaceChildren(el('p', { class: 'state' }, `The last 30 days are not available: ${err.message}`));
      }
    };

    const todayCsv = el('button', { type: 'button' }, "Today's attendance (CSV)");
    todayCsv.addEventListener('click', () => void download(`${path}/attendances.csv?day=${day}`, `${schoolId}-${day}.csv`));
    const monthCsv = el('button', { type: 'button' }, 'Last 30 days (CSV)');
    monthCsv.addEventListener('click', () => void download(`${path}/reports.csv?from=${addDays(day, -29)}&to=${day}`, `${schoolId}-${addDays(day, -29)}-${day}.csv`));

    main.replaceChildren(
      el('div', { class: 'school-head' }, el('div', {}, title, dayLabel), live),
      banner,
      el('section', { 'aria-label': "Today's counters" }, counters),
      roster.element,
      el('section', { class: 'panel', 'aria-labelledby': 'chart-title' }, el('h2', { id: 'chart-title' }, 'Last 30 days'), chartSlot),
      el('section', { class: 'panel', 'aria-labelledby': 'exports-title' }, el('h2', { id: 'exports-title' }, 'Exports'), el('div', { class: 'exports' }, todayCsv, monthCsv)),
    );
    showFigures(initial);
    performance.mark('office:counters-first-render');

    let lastFigures = JSON.stringify(initial);
    followCounters(
      schoolId,
      (figures) => {
        showFigures(figures);
        const serialised = JSON.stringify(figures);
        if (serialised !== lastFigures) {
          lastFigures = serialised;
          void refreshRoster();
        }
      },
      (state) => {
        live.dataset.live = state;
        const text = live.querySelector('.live-text');
        if (text) text.textContent = LIVE_TEXT[state];
      },
      (err) => {
        if (err instanceof ApiError && err.unavailable) {
          banner.textContent = 'The service is unavailable: figures may be out of date. Retrying…';
          banner.hidden = false;
        }
      },
    );
    void refreshRoster(true);
    void loadChart();
  };

  void load();
}
