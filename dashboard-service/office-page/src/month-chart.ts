import { el, numberFormat, svg } from './dom.ts';

export interface SeriesDay {
  day: string;
  checkIns: number;
  lates?: number;
  absent?: number;
  excused?: number;
}

const SERIES = [
  { key: 'checkIns', label: 'Check-ins', className: 'bar-in' },
  { key: 'lates', label: 'Lates', className: 'bar-late' },
  { key: 'absent', label: 'Absences', className: 'bar-absent' },
] as const;

/**
 * The last 30 days as grouped bars (inline SVG, no library): check-ins, and
 * lates and absences when the series carries them. A summary for screen
 * readers is the image's label.
 */
export function monthChart(series: SeriesDay[]): HTMLElement {
  const shown = SERIES.filter((s) => series.some((day) => typeof day[s.key] === 'number'));
  const width = 720;
  const height = 200;
  const left = 40;
  const bottom = 24;
  const max = Math.max(1, ...series.flatMap((day) => shown.map((s) => day[s.key] ?? 0)));
  const slot = (width - left) / Math.max(1, series.length);
  const bar = Math.max(1, (slot - 2) / Math.max(1, shown.length));
  const y = (value: number): number => (height - bottom) * (1 - value / max);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-labelledby': 'chart-title chart-summary', preserveAspectRatio: 'none' });
  chart.append(
    svg('line', { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: 'axis' }),
    svg('text', { x: left - 6, y: 12, class: 'tick', 'text-anchor': 'end' }, numberFormat.format(max)),
    svg('text', { x: left - 6, y: height - bottom, class: 'tick', 'text-anchor': 'end' }, '0'),
  );
  series.forEach((day, i) => {
    shown.forEach((s, j) => {
      const value = day[s.key] ?? 0;
      const x = left + i * slot + 1 + j * bar;
      chart.append(svg('rect', { x, y: y(value), width: Math.max(1, bar - 0.5), height: height - bottom - y(value), class: s.className }, svg('title', {}, `${day.day} ${s.label}: ${value}`)));
    });
    const last = i === series.length - 1;
    if (i % 5 === 0 || last) chart.append(svg('text', { x: last ? width : left + i * slot + slot / 2, y: height - 6, class: 'tick', 'text-anchor': last ? 'end' : 'middle' }, day.day.slice(5)));
  });
  const total = (key: (typeof SERIES)[number]['key']): number => series.reduce((sum, day) => sum + (day[key] ?? 0), 0);
  const summary = `${series[0]?.day ?? ''} to ${series.at(-1)?.day ?? ''}: ${shown.map((s) => `${numberFormat.format(total(s.key))} ${s.label.toLowerCase()}`).join(', ')}.`;
  return el(
    'figure',
    { class: 'month' },
    chart,
    el('figcaption', {}, el('span', { id: 'chart-summary', class: 'sr-only' }, summary), el('ul', { class: 'legend' }, ...shown.map((s) => el('li', {}, el('span', { class: `swatch ${s.className}` }), s.label)))),
  );
}
