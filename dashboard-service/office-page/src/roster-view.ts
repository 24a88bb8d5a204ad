import type { DayRoster, RosterStatus } from './api.ts';
import { el, formatTime, numberFormat } from './dom.ts';

const PAGE_SIZE = 50;

type Filter = RosterStatus | 'all';
type Row = DayRoster['rows'][number];

export const STATUS_LABELS: Record<RosterStatus, string> = {
  present: 'Present',
  late: 'Late',
  absent: 'Absent',
  excused: 'Excused',
  'checked-out': 'Checked out',
};

const FILTERS: Filter[] = ['all', 'present', 'late', 'absent', 'excused', 'checked-out'];

/**
 * Today's roster: filter by status, search by name or id, 50 rows a page.
 * The whole day (10,000 students) is held in memory and filtered there; only
 * one page is ever in the DOM, so neither filtering nor a live refresh
 * freezes the page. Each render dispatches `roster-rendered` on the document
 * (its duration in `detail.ms`: what the browser test measures).
 */
export class RosterView {
  readonly element: HTMLElement;
  private rows: Row[] = [];
  private lowerNames: string[] = [];
  private filter: Filter = 'all';
  private needle = '';
  private page = 0;
  private readonly tbody = el('tbody');
  private readonly summary = el('p', { class: 'muted', id: 'roster-summary', 'aria-live': 'polite' });
  private readonly counts = new Map<Filter, HTMLElement>();
  private readonly previous = el('button', { type: 'button' }, '‹ Previous');
  private readonly next = el('button', { type: 'button' }, 'Next ›');
  private readonly pageLabel = el('span', { class: 'muted' });
  private readonly empty = el('p', { class: 'state', hidden: true });

  constructor(private readonly openStudent: (userId: string, name: string) => void) {
    const filters = el('fieldset', { class: 'filters' }, el('legend', {}, 'Show'));
    for (const filter of FILTERS) {
      const id = `filter-${filter}`;
      const input = el('input', { type: 'radio', name: 'status', id, value: filter, checked: filter === 'all' });
      input.addEventListener('change', () => {
        this.filter = filter;
        this.page = 0;
        this.render();
      });
      const count = el('span', { class: 'count' });
      this.counts.set(filter, count);
      filters.append(el('span', { class: 'pill' }, input, el('label', { for: id }, filter === 'all' ? 'All' : STATUS_LABELS[filter], ' ', count)));
    }
    const search = el('input', { type: 'search', id: 'roster-search', autocomplete: 'off', placeholder: 'Name or student id' });
    search.addEventListener('input', () => {
      this.needle = search.value.trim().toLowerCase();
      this.page = 0;
      this.render();
    });
    this.previous.addEventListener('click', () => this.turn(-1));
    this.next.addEventListener('click', () => this.turn(1));
    this.tbody.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-user-id]');
      if (button?.dataset.userId) this.openStudent(button.dataset.userId, button.textContent ?? button.dataset.userId);
    });
    const table = el(
      'table',
      { class: 'roster', id: 'roster' },
      el('caption', { class: 'sr-only' }, "Today's roster"),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Student id'), el('th', { scope: 'col' }, 'Status'), el('th', { scope: 'col' }, 'In'), el('th', { scope: 'col' }, 'Out'))),
      this.tbody,
    );
    this.element = el(
      'section',
      { class: 'panel', 'aria-labelledby': 'roster-title' },
      el('h2', { id: 'roster-title' }, "Today's roster"),
      el('div', { class: 'roster-tools' }, filters, el('div', { class: 'search' }, el('label', { for: 'roster-search' }, 'Search'), search)),
      this.summary,
      el('div', { class: 'table-wrap' }, table),
      this.empty,
      el('nav', { class: 'pager', 'aria-label': 'Roster pages' }, this.previous, this.pageLabel, this.next),
    );
  }

  /** A new reading of the day: filter, search and page are kept (the page is clamped if the list shrank). */
  setRoster(roster: DayRoster): void {
    this.rows = roster.rows;
    this.lowerNames = roster.rows.map(([userId, name]) => `${name.toLowerCase()}\u0000${userId.toLowerCase()}`);
    const counts = new Map<Filter, number>([['all', roster.rows.length]]);
    for (const row of roster.rows) counts.set(row[2], (counts.get(row[2]) ?? 0) + 1);
    for (const [filter, element] of this.counts) element.textContent = numberFormat.format(counts.get(filter) ?? 0);
    this.render();
  }

  private turn(delta: number): void {
    this.page += delta;
    this.render();
    this.tbody.querySelector('button')?.focus();
  }

  private matching(): Row[] {
    const { filter, needle } = this;
    if (filter === 'all' && !needle) return this.rows;
    const out: Row[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i] as Row;
      if (filter !== 'all' && row[2] !== filter) continue;
      if (needle && !(this.lowerNames[i] as string).includes(needle)) continue;
      out.push(row);
    }
    return out;
  }

  private render(): void {
    const started = performance.now();
    const matching = this.matching();
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const shown = matching.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
    this.tbody.replaceChildren(
      ...shown.map(([userId, name, status, checkInAt, checkOutAt, fever]) =>
        el(
          'tr',
          { 'data-status': status },
          el('td', {}, el('button', { type: 'button', class: 'link', 'data-user-id': userId, 'aria-haspopup': 'dialog' }, name)),
          el('td', { class: 'mono' }, userId),
          el('td', {}, el('span', { class: `badge status-${status}` }, STATUS_LABELS[status]), fever ? el('span', { class: 'badge fever', title: 'Temperature of 38 °C or more' }, 'Fever') : null),
          el('td', {}, formatTime(checkInAt)),
          el('td', {}, formatTime(checkOutAt)),
        ),
      ),
    );
    const first = matching.length === 0 ? 0 : this.page * PAGE_SIZE + 1;
    this.summary.textContent = `${numberFormat.format(first)}–${numberFormat.format(this.page * PAGE_SIZE + shown.length)} of ${numberFormat.format(matching.length)} students`;
    this.empty.hidden = matching.length > 0;
    this.empty.textContent = this.rows.length === 0 ? 'No students on this roster yet.' : 'No student matches this filter and search.';
    this.pageLabel.textContent = `Page ${this.page + 1} of ${pages}`;
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    document.dispatchEvent(new CustomEvent('roster-rendered', { detail: { ms: performance.now() - started, matching: matching.length } }));
  }
}
