/**
 * Calendar days in a configured IANA time zone. The "day" of a record decides
 * which Redis state and which MongoDB report it belongs to, so it must never
 * depend on the server's locale or TZ variable.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface LocalTime {
  /** `YYYY-MM-DD` */
  day: string;
  /** Minutes since local midnight, 0-1439. */
  minute: number;
}

/** Local times by zone and epoch minute: records of a day fall on at most 1,440 minutes. */
const byMinute = new Map<string, Map<number, LocalTime>>();
/** Minutes kept per zone before the memo starts again (two days' worth). */
const MAX_MINUTES_KEPT = 2 * 1440;

/**
 * Memoised per epoch minute: `Intl` costs a few microseconds a call, every
 * request, message and rebuilt record asks, and a zone's offset is constant
 * within a minute. The result is shared: do not mutate it.
 */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const epochMinute = Math.floor(epochMs / 60_000);
  let minutes = byMinute.get(timeZone);
  if (!minutes) byMinute.set(timeZone, (minutes = new Map<number, LocalTime>()));
  let local = minutes.get(epochMinute);
  if (!local) {
    if (minutes.size >= MAX_MINUTES_KEPT) minutes.clear();
    minutes.set(epochMinute, (local = computeLocalTime(epochMinute * 60_000, timeZone)));
  }
  return local;
}

function computeLocalTime(epochMs: number, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(epochMs);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)?.value ?? '';
  return Object.freeze({
    day: `${get('year')}-${get('month')}-${get('day')}`,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  });
}

export function dayOf(epochMs: number, timeZone: string): string {
  return localTime(epochMs, timeZone).day;
}

/** `YYYY-MM-DD` plus `deltaDays` whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, deltaDays: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + deltaDays);
  return date.toISOString().slice(0, 10);
}

/** `from` to `to` inclusive, as `YYYY-MM-DD` strings (none when `to` is before `from`). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
