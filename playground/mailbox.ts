import { randomBytes } from 'node:crypto';
import type { FakeGmailApp } from '../sandbox/gmailApp';

/*
 * The playground's mailbox: drafts being written and messages sent, all in
 * memory. A sent message is handed to the fake GmailApp, which serves it to
 * the add-on when the sender opens it, as Gmail would.
 */

export interface DraftFields {
  to: string;
  subject: string;
  /** HTML body as the compose editor serialises it. */
  body: string;
}

export interface Draft extends DraftFields {
  id: string;
}

export interface SentMessage extends DraftFields {
  id: string;
  threadId: string;
  from: string;
  /** Send time, whole seconds, as a Date header carries it. */
  date: Date;
  /** Access token of the event that opens this message in the add-on. */
  accessToken: string;
}

export class MailboxError extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'MailboxError';
  }
}

/** Limits that keep one browser tab from filling the server's memory. */
export const MAX_DRAFTS = 200;
export const MAX_SENT = 500;
export const MAX_BODY_LENGTH = 1_000_000;

const ADDRESS_RE = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Splits a To field into addresses; an empty field gives none. */
export function parseAddresses(to: string): string[] {
  return to
    .split(/[,;]/)
    .map((address) => address.trim())
    .filter((address) => address !== '');
}

function newId(): string {
  return randomBytes(8).toString('hex');
}

export class Mailbox {
  private readonly drafts = new Map<string, Draft>();
  private readonly sent: SentMessage[] = [];

  constructor(
    private readonly gmail: FakeGmailApp,
    readonly sender: string,
    private readonly now: () => number = Date.now,
  ) {}

  createDraft(fields: DraftFields): Draft {
    if (this.drafts.size >= MAX_DRAFTS) throw new MailboxError(`the playground reached its limit of ${MAX_DRAFTS} drafts; send one or restart the playground`, 409);
    const draft = { id: newId(), ...checkFields(fields) };
    this.drafts.set(draft.id, draft);
    return { ...draft };
  }

  getDraft(id: string): Draft {
    const draft = this.drafts.get(id);
    if (!draft) throw new MailboxError(`no draft ${id}; it was sent, or the playground restarted. Start a new email.`, 404);
    return { ...draft };
  }

  updateDraft(id: string, fields: DraftFields): Draft {
    const draft = { ...this.getDraft(id), ...checkFields(fields) };
    this.drafts.set(id, draft);
    return { ...draft };
  }

  /** Moves a draft to the sent messages with the current time as its send time. */
  send(id: string): SentMessage {
    const draft = this.getDraft(id);
    const recipients = parseAddresses(draft.to);
    if (recipients.length === 0) throw new MailboxError('the email has no recipient; enter an address in To, such as dana@example.org');
    const invalid = recipients.filter((address) => !ADDRESS_RE.test(address));
    if (invalid.length > 0) throw new MailboxError(`To contains the invalid address "${invalid[0]}"; enter addresses such as dana@example.org, separated by commas`);
    if (this.sent.length >= MAX_SENT) throw new MailboxError(`the playground reached its limit of ${MAX_SENT} sent emails; restart the playground to clear them`, 409);

    // A Date header has whole seconds, and GmailMessage.getDate() returns that.
    const date = new Date(Math.floor(this.now() / 1000) * 1000);
    const event = this.gmail.addMessage({ id: newId(), subject: draft.subject, from: this.sender, to: recipients.join(', '), body: draft.body, date });
    const message: SentMessage = { ...draft, id: event.messageId, threadId: event.threadId, from: this.sender, date, accessToken: event.accessToken };
    this.sent.push(message);
    this.drafts.delete(id);
    return { ...message };
  }

  getSent(id: string): SentMessage {
    const message = this.sent.find((candidate) => candidate.id === id);
    if (!message) throw new MailboxError(`no sent email ${id}; the playground keeps sent emails only until it restarts`, 404);
    return { ...message };
  }

  /** Sent messages, newest first. */
  listSent(): SentMessage[] {
    return this.sent.map((message) => ({ ...message })).reverse();
  }
}

function checkFields(fields: DraftFields): DraftFields {
  if (fields.body.length > MAX_BODY_LENGTH) {
    throw new MailboxError(`the body has ${fields.body.length} characters; the playground accepts at most ${MAX_BODY_LENGTH}`, 413);
  }
  return { to: fields.to, subject: fields.subject, body: fields.body };
}
