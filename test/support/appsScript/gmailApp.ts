/// <reference types="google-apps-script" />
import { randomBytes } from 'node:crypto';
import type { Implements } from './cardService';

/*
 * A GmailApp holding messages in memory. Like Gmail add-ons, it lets the script
 * read a message only after setCurrentMessageAccessToken was called with the
 * access token of the event that opened that message.
 */

export interface MessageData {
  id: string;
  subject: string;
  from: string;
  to: string;
  body: string;
  date: Date;
}

/** A draft the add-on created, as Gmail would open it in a compose window. */
export interface DraftRecord {
  id: string;
  kind: 'new' | 'reply' | 'replyAll';
  /** Message the draft replies to; null for a new email. */
  inReplyTo: string | null;
  /** Recipients Gmail fills in: the reply's sender (and recipients for reply-all), or the createDraft argument. */
  to: string;
  subject: string;
  body: string;
  htmlBody: string | null;
}

export class FakeGmailDraft implements Implements<GoogleAppsScript.Gmail.GmailDraft, 'getId'> {
  constructor(readonly record: DraftRecord) {}
  getId(): string {
    return this.record.id;
  }
}

type Options = { htmlBody?: string };

function checkOptions(options: Options | undefined): string | null {
  if (options === undefined) return null;
  const unknown = Object.keys(options).filter((key) => key !== 'htmlBody');
  if (unknown.length > 0) throw new Error(`Exception: the GmailApp fake models only the htmlBody option, not ${unknown.join(', ')}`);
  return options.htmlBody ?? null;
}

export class FakeGmailMessage
  implements
    Implements<
      GoogleAppsScript.Gmail.GmailMessage,
      'getId' | 'getSubject' | 'getFrom' | 'getTo' | 'getBody' | 'getDate' | 'createDraftReply' | 'createDraftReplyAll'
    >
{
  constructor(
    private readonly data: MessageData,
    private readonly saveDraft: (record: Omit<DraftRecord, 'id'>) => FakeGmailDraft,
  ) {}
  createDraftReply(body: string, options?: Options): GoogleAppsScript.Gmail.GmailDraft {
    const draft = this.saveDraft({ kind: 'reply', inReplyTo: this.data.id, to: this.data.from, subject: replySubject(this.data.subject), body, htmlBody: checkOptions(options) });
    return draft as unknown as GoogleAppsScript.Gmail.GmailDraft;
  }
  createDraftReplyAll(body: string, options?: Options): GoogleAppsScript.Gmail.GmailDraft {
    const to = [this.data.from, this.data.to].filter((address) => address).join(', ');
    const draft = this.saveDraft({ kind: 'replyAll', inReplyTo: this.data.id, to, subject: replySubject(this.data.subject), body, htmlBody: checkOptions(options) });
    return draft as unknown as GoogleAppsScript.Gmail.GmailDraft;
  }
  getId(): string {
    return this.data.id;
  }
  getSubject(): string {
    return this.data.subject;
  }
  getFrom(): string {
    return this.data.from;
  }
  getTo(): string {
    return this.data.to;
  }
  getBody(): string {
    return this.data.body;
  }
  getDate(): GoogleAppsScript.Base.Date {
    return new Date(this.data.date.getTime()) as unknown as GoogleAppsScript.Base.Date;
  }
}

export class FakeGmailApp implements Implements<GoogleAppsScript.Gmail.GmailApp, 'setCurrentMessageAccessToken' | 'getMessageById' | 'createDraft'> {
  private readonly messages = new Map<string, { data: MessageData; accessToken: string; threadId: string }>();
  private currentAccessToken: string | null = null;
  /** Every draft the add-on created, in order. */
  readonly drafts: DraftRecord[] = [];

  private readonly saveDraft = (record: Omit<DraftRecord, 'id'>): FakeGmailDraft => {
    const saved = { id: `r-${this.drafts.length + 1}`, ...record };
    this.drafts.push(saved);
    return new FakeGmailDraft(saved);
  };

  createDraft(recipient: string, subject: string, body: string, options?: Options): GoogleAppsScript.Gmail.GmailDraft {
    const draft = this.saveDraft({ kind: 'new', inReplyTo: null, to: recipient, subject, body, htmlBody: checkOptions(options) });
    return draft as unknown as GoogleAppsScript.Gmail.GmailDraft;
  }

  /** Stores a message and returns the Gmail part of the event that opens it. */
  addMessage(data: MessageData): { messageId: string; threadId: string; accessToken: string } {
    const accessToken = `fake-access-${randomBytes(8).toString('hex')}`;
    const threadId = `thread-${data.id}`;
    this.messages.set(data.id, { data, accessToken, threadId });
    return { messageId: data.id, threadId, accessToken };
  }

  setCurrentMessageAccessToken(accessToken: string): void {
    this.currentAccessToken = accessToken;
  }

  getMessageById(id: string): GoogleAppsScript.Gmail.GmailMessage {
    const entry = this.messages.get(id);
    if (!entry) throw new Error(`Exception: Invalid argument: id (no message ${id})`);
    if (this.currentAccessToken !== entry.accessToken) {
      throw new Error('Exception: Access denied: setCurrentMessageAccessToken was not called with the access token of this message\'s event');
    }
    return new FakeGmailMessage(entry.data, this.saveDraft) as unknown as GoogleAppsScript.Gmail.GmailMessage;
  }
}

function replySubject(subject: string): string {
  return /^re:/i.test(subject) ? subject : `Re: ${subject}`;
}
