import { signDevIdToken } from '../tracker/auth/devSignin';
import { jsonOf, type CardJson, type DraftBodyUpdateJson } from '../sandbox/cardService';
import { commonEvent } from '../sandbox/cards';
import type { LoadedAddon } from '../sandbox/loadAddon';
import type { AddonEvent } from '../addon/events';
import { ALL_HANDLER_NAMES } from '../addon/handlerNames';

/*
 * Runs the built add-on for the playground: mints the sender's identity token
 * before each call, builds the event object Gmail would send and reads what the
 * function returned. A function that throws becomes an error result, as Gmail
 * shows an error in place of the card.
 */

export interface Identity {
  email: string;
  audience: string;
  /** PEM private key of the tracker's development sign-in. */
  privateKeyPem: string;
}

/** What Gmail tells the add-on about the open draft or message. */
export type GmailContext =
  | { kind: 'none' }
  | { kind: 'compose'; recipients: string[] }
  | { kind: 'message'; messageId: string; threadId: string; accessToken: string };

export interface CallRequest {
  functionName: string;
  parameters?: Record<string, string>;
  /** Values of the card's inputs; check boxes send every checked value. */
  formInputs?: Record<string, string | string[]>;
  timeZone: string;
  gmail: GmailContext;
}

export type CallResult = { ok: true; json: ReturnType<typeof jsonOf> } | { ok: false; error: string };

export class UnknownFunctionError extends Error {
  constructor(name: string) {
    super(`"${name}" is not a function of the add-on; expected one of ${ALL_HANDLER_NAMES.join(', ')}`);
    this.name = 'UnknownFunctionError';
  }
}

/** Returns `timeZone` when the runtime knows it, otherwise Etc/UTC. */
export function knownTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'Etc/UTC';
  }
}

function gmailEvent(context: GmailContext): AddonEvent['gmail'] | undefined {
  if (context.kind === 'none') return undefined;
  if (context.kind === 'compose') {
    return { accessToken: '', messageId: '', threadId: '', toRecipients: context.recipients } as AddonEvent['gmail'];
  }
  return { accessToken: context.accessToken, messageId: context.messageId, threadId: context.threadId } as AddonEvent['gmail'];
}

export class AddonHost {
  constructor(
    readonly addon: LoadedAddon,
    private readonly identity: Identity,
  ) {}

  call(request: CallRequest): CallResult {
    if (!(ALL_HANDLER_NAMES as readonly string[]).includes(request.functionName)) throw new UnknownFunctionError(request.functionName);
    // A fresh token per call, so a playground left open for hours never sends an expired one.
    this.addon.scriptApp.identityToken = signDevIdToken(this.identity.privateKeyPem, {
      email: this.identity.email,
      audience: this.identity.audience,
    });
    const event = commonEvent(
      { timeZone: knownTimeZone(request.timeZone), gmail: gmailEvent(request.gmail) },
      request.parameters ?? {},
      request.formInputs ?? {},
    );
    try {
      return { ok: true, json: jsonOf(this.addon.call(request.functionName, event)) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

export type { CardJson, DraftBodyUpdateJson };
