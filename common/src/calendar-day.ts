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

export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(epochMs);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)?.value ?? '';
  return {
    day: `${get('year')}-${get('month')}-${get('day')}`,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
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
