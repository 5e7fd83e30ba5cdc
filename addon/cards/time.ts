/*
 * Times as the sender reads them, in the sender's own time zone. Patterns are
 * java.text.SimpleDateFormat syntax, which Utilities.formatDate takes.
 */

/** Day, month and time to the second, for example "1 Dec 2026, 10:30:05". */
export const TIME_PATTERN = 'd MMM yyyy, HH:mm:ss';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Formats an ISO 8601 instant in `timeZone` (an IANA id such as "Europe/Berlin"). */
export function formatTime(iso: string, timeZone: string): string {
  return Utilities.formatDate(new Date(iso), timeZone, TIME_PATTERN);
}

function countOf(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** Returns the calendar date of `ms` in `timeZone`, as "yyyy-MM-dd". */
function dayKey(ms: number, timeZone: string): string {
  return Utilities.formatDate(new Date(ms), timeZone, 'yyyy-MM-dd');
}

/** Returns the calendar date before `key`, computed on the date itself so days of 23 or 25 hours do not matter. */
function previousDayKey(key: string): string {
  const [year, month, day] = key.split('-').map(Number);
  const previous = new Date(Date.UTC(year, month - 1, day) - DAY_MS);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${previous.getUTCFullYear()}-${pad(previous.getUTCMonth() + 1)}-${pad(previous.getUTCDate())}`;
}

/**
 * Describes when `iso` was, seen from `nowMs`: "just now", "5 minutes ago",
 * "today 18:04", "yesterday 18:04", "Mon 18:04" within the last week,
 * "3 Dec 18:04" within the year and "3 Dec 2025" before. A time ahead of `nowMs`
 * (the tracker's and Google's clocks differ by a little) counts as just now.
 */
export function describeWhen(iso: string, nowMs: number, timeZone: string): string {
  const ms = new Date(iso).getTime();
  const ago = nowMs - ms;
  if (ago < MINUTE_MS) return 'just now';
  if (ago < HOUR_MS) return `${countOf(Math.floor(ago / MINUTE_MS), 'minute')} ago`;

  const date = new Date(ms);
  const clock = Utilities.formatDate(date, timeZone, 'HH:mm');
  const today = dayKey(nowMs, timeZone);
  const day = dayKey(ms, timeZone);
  if (day === today) return `today ${clock}`;
  if (day === previousDayKey(today)) return `yesterday ${clock}`;
  if (ago < 6 * DAY_MS) return `${Utilities.formatDate(date, timeZone, 'EEE')} ${clock}`;
  if (day.slice(0, 4) === today.slice(0, 4)) return `${Utilities.formatDate(date, timeZone, 'd MMM')} ${clock}`;
  return Utilities.formatDate(date, timeZone, 'd MMM yyyy');
}

/** Describes the time from `fromIso` to `toIso`: "within a minute", "12 minutes", "3 hours", "2 days". */
export function describeDuration(fromIso: string, toIso: string): string {
  const ms = Math.max(0, new Date(toIso).getTime() - new Date(fromIso).getTime());
  if (ms < MINUTE_MS) return 'within a minute';
  if (ms < HOUR_MS) return countOf(Math.floor(ms / MINUTE_MS), 'minute');
  if (ms < 2 * DAY_MS) return countOf(Math.floor(ms / HOUR_MS), 'hour');
  return countOf(Math.floor(ms / DAY_MS), 'day');
}
