import type { HitKind, HitLabel } from '../../shared/labels';
import type { Location, MailProxy } from '../../shared/api';

/** A tracked message as stored. Times are epoch milliseconds. */
export interface MessageRecord {
  token: string;
  /** Lower-cased email of the sender, from the identity token. */
  owner: string;
  createdAt: number;
  subject: string | null;
  recipients: string[];
  /** Send time reported by the add-on; null until the sender views the sent message. */
  sentAt: number | null;
  /** When the stored data may be deleted (retention period after the last activity). */
  expiresAt: number;
}

/**
 * One pixel load or link click, as recorded when the request arrived. The full
 * client address is never stored: `ip` is truncated (IPv4 /24, IPv6 /48) unless
 * configured otherwise, and the facts that need the full address are derived
 * before truncation and stored beside it.
 */
export interface HitRecord {
  /** Random id made when the request arrived; replaying a logged hit reuses it. */
  id: string;
  token: string;
  kind: HitKind;
  at: number;
  method: string;
  /** Destination of a click. */
  url: string | null;
  ip: string | null;
  userAgent: string | null;
  location: Location | null;
  proxy: MailProxy | null;
  client: string | null;
  os: string | null;
  device: string | null;
  label: HitLabel;
}

/** A period during which the sender had the message open in the add-on's panel. */
export interface SelfView {
  token: string;
  at: number;
}

export interface SummaryData {
  message: MessageRecord;
  /** Count of hits per kind and label. */
  counts: Record<HitKind, Record<HitLabel, number>>;
  firstRecipientOpenAt: number | null;
  lastRecipientOpenAt: number | null;
  /** Newest first. */
  recentHits: HitRecord[];
  totalHits: number;
}

/** Result of writing a batch of hits: which ids were stored and which were dropped. */
export interface RecordResult {
  stored: string[];
  /** Hits whose message does not exist (never issued or deleted): never written. */
  orphaned: string[];
}

/** One row of a sender's activity feed. */
export interface ActivityEntry {
  message: MessageRecord;
  lastActivityAt: number;
  recipientOpens: number;
  recipientClicks: number;
}

export interface ActivityPage {
  entries: ActivityEntry[];
  /** Opaque cursor for the next page; null on the last page. */
  next: string | null;
}

export interface LabelChange {
  id: string;
  label: HitLabel;
}

export interface Store {
  createMessage(message: MessageRecord): Promise<void>;
  getMessage(token: string): Promise<MessageRecord | null>;
  /** Sets the send time and subject; fields left undefined keep their value. */
  updateMessage(token: string, patch: { sentAt?: number | null; subject?: string | null }): Promise<void>;
  addSelfView(view: SelfView): Promise<void>;
  listSelfViews(token: string): Promise<SelfView[]>;
  /** Hits of a message at or after `sinceAt` (all when omitted), oldest first, for relabelling. */
  listHits(token: string, sinceAt?: number): Promise<HitRecord[]>;
  /** Stores new labels and moves the per-label totals with them. */
  setLabels(token: string, changes: LabelChange[]): Promise<void>;
  /** Messages of one sender, most recent activity first. */
  activity(owner: string, limit: number, cursor: string | null): Promise<ActivityPage>;
  /** Deletes every message, hit and self-view of a sender; returns the messages deleted. */
  deleteOwner(owner: string): Promise<number>;
  /** Deletes messages (with their hits) whose expiry has passed; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /**
   * Writes hits in one transaction or batch. Idempotent by hit id, so replaying
   * a logged hit that was in fact stored stores it once. Hits of messages that do
   * not exist are dropped, so a hit for a deleted message does not bring it back.
   */
  recordHits(hits: HitRecord[]): Promise<RecordResult>;
  summary(token: string, recentLimit: number): Promise<SummaryData | null>;
  close(): Promise<void>;
}
