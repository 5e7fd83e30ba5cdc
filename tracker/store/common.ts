import { HIT_LABELS, type HitKind, type HitLabel } from '../../shared/labels';

/** Helpers every store implementation shares. */

export function emptyCounts(): Record<HitKind, Record<HitLabel, number>> {
  const zero = () => Object.fromEntries(HIT_LABELS.map((label) => [label, 0])) as Record<HitLabel, number>;
  return { open: zero(), click: zero() };
}

export interface ActivityCursor {
  lastActivityAt: number;
  token: string;
}

export function encodeActivityCursor(cursor: ActivityCursor): string {
  return Buffer.from(`${cursor.lastActivityAt}:${cursor.token}`).toString('base64url');
}

/** Decodes a cursor made by `encodeActivityCursor`; throws on anything else. */
export function decodeActivityCursor(cursor: string): ActivityCursor {
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new RangeError(`invalid activity cursor "${cursor.slice(0, 80)}"`);
  return { lastActivityAt: Number(match[1]), token: match[2] };
}
