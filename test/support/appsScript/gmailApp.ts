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

export class FakeGmailMessage
  implements Implements<GoogleAppsScript.Gmail.GmailMessage, 'getId' | 'getSubject' | 'getFrom' | 'getTo' | 'getBody' | 'getDate'>
{
  constructor(private readonly data: MessageData) {}
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

export class FakeGmailApp implements Implements<GoogleAppsScript.Gmail.GmailApp, 'setCurrentMessageAccessToken' | 'getMessageById'> {
  private readonly messages = new Map<string, { data: MessageData; accessToken: string; threadId: string }>();
  private currentAccessToken: string | null = null;

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
    return new FakeGmailMessage(entry.data) as unknown as GoogleAppsScript.Gmail.GmailMessage;
  }
}
