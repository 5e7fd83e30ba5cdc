/**
 * Labels a hit can carry. A label is stored with each hit and recomputed when a
 * new fact about its message arrives (send time, a self-view), so a label is a
 * conclusion drawn from the facts known so far, never a raw observation.
 */
export const HIT_LABELS = [
  'recipient', // opened or clicked by a recipient: the only label counted in headlines
  'self', // the sender's own view, reported by the add-on or a quoted copy
  'before_send', // earlier than the send time: the compose window loads the pixel
  'prefetch', // a machine fetched it without a reader (Apple Mail Privacy Protection, Gmail prefetch)
  'scanner', // a security gateway, link previewer or bot
  'duplicate', // a proxy fetching the same pixel again within seconds
] as const;

export type HitLabel = (typeof HIT_LABELS)[number];

export type HitKind = 'open' | 'click';

/** Short English text for each label, as the add-on shows it. */
export const LABEL_TEXT: Record<HitLabel, string> = {
  recipient: 'Recipient',
  self: 'Your own view',
  before_send: 'While composing',
  prefetch: 'Machine prefetch',
  scanner: 'Security scanner or bot',
  duplicate: 'Repeated fetch',
};
