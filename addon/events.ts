/*
 * Readers for the event objects Apps Script passes to triggers and actions.
 * Fields are read from the current event object format first and from the older
 * Gmail add-on format second, because Gmail still sends the older fields to some
 * clients.
 */

/** Draft metadata in the older Gmail add-on event format. */
interface LegacyDraftMetadata {
  toRecipients?: string[];
  ccRecipients?: string[];
  bccRecipients?: string[];
}

export type AddonEvent = Partial<GoogleAppsScript.Addons.EventObject> & {
  draftMetadata?: LegacyDraftMetadata;
  parameters?: Record<string, string>;
  formInput?: Record<string, string | undefined>;
};

/** To, Cc and Bcc addresses of the draft, without repeats; empty when the event carries none. */
export function readRecipients(e: AddonEvent): string[] {
  const gmail = e.gmail;
  const legacy = e.draftMetadata;
  const lists = [
    gmail?.toRecipients ?? legacy?.toRecipients,
    gmail?.ccRecipients ?? legacy?.ccRecipients,
    gmail?.bccRecipients ?? legacy?.bccRecipients,
  ];
  const recipients: string[] = [];
  for (const list of lists) {
    for (const address of list ?? []) {
      const trimmed = address.trim();
      if (trimmed && !recipients.includes(trimmed)) recipients.push(trimmed);
    }
  }
  return recipients;
}

/** An action parameter set with `Action.setParameters`; null when absent or empty. */
export function readParameter(e: AddonEvent, name: string): string | null {
  const value = e.commonEventObject?.parameters?.[name] ?? e.parameters?.[name];
  return value ? value : null;
}

/** The first value of a text input; an empty string when the user left it empty. */
export function readTextInput(e: AddonEvent, name: string): string {
  const input = e.commonEventObject?.formInputs?.[name];
  const values = input?.stringInputs?.value ?? input?.['']?.stringInputs?.value;
  if (values && values.length > 0) return values[0];
  return e.formInput?.[name] ?? '';
}

/** Every value of a form input, such as the checked items of a checkbox; empty when none is set. */
export function readInputValues(e: AddonEvent, name: string): string[] {
  const input = e.commonEventObject?.formInputs?.[name];
  const values = input?.stringInputs?.value ?? input?.['']?.stringInputs?.value;
  if (values) return values;
  const legacy = e.formInput?.[name];
  return legacy ? [legacy] : [];
}

/** The user's time zone id (for example "Europe/Berlin"), or null when the event has none. */
export function readTimeZone(e: AddonEvent): string | null {
  return e.commonEventObject?.timeZone?.id || null;
}

/** Message id and access token of the open message, or null outside a message. */
export function readOpenMessage(e: AddonEvent): { messageId: string; accessToken: string } | null {
  const gmail = e.gmail;
  if (!gmail?.messageId || !gmail.accessToken) return null;
  return { messageId: gmail.messageId, accessToken: gmail.accessToken };
}
