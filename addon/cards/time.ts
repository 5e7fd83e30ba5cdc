/** Day, month and time to the second, for example "1 Dec 2026, 10:30:05" (java.text.SimpleDateFormat syntax). */
export const TIME_PATTERN = 'd MMM yyyy, HH:mm:ss';

/** Formats an ISO 8601 instant in `timeZone` (an IANA id such as "Europe/Berlin"). */
export function formatTime(iso: string, timeZone: string): string {
  return Utilities.formatDate(new Date(iso), timeZone, TIME_PATTERN);
}
