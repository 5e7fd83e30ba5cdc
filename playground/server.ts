import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loggerOptions } from '../tracker/logger';
import { AddonHost, UnknownFunctionError, type CallResult, type GmailContext } from './addonHost';
import { applyDraftUpdate, DraftBodyError, type EditedBody, type Selection } from './draftBody';
import { Mailbox, MailboxError, parseAddresses, type Draft, type DraftFields, type SentMessage } from './mailbox';
import { appPolicy, destinationPage, mailPage, recipientPolicy, senderPolicy } from './pages';
import { escapeText, renderCard, renderErrorCard } from './renderCard';
import { HANDLER_NAMES } from '../addon/handlerNames';
import { loadSamples, type Sample } from './samples';

/*
 * The playground's HTTP server: the page, its JSON API and the frames' pages.
 * Every card comes from the add-on bundle running in the sandbox; the server
 * turns what the add-on returns into card HTML, draft edits and notices.
 */

export interface PlaygroundOptions {
  host: AddonHost;
  mailbox: Mailbox;
  /** Folder of index.html, app.js and style.css. */
  publicDir: string;
  samplesDir: string;
  /** Base URL of this server, ending with "/"; samples link to pages under it. */
  baseUrl: string;
  trackerBaseUrl: string;
  logLevel: string;
}

export interface CardStackOp {
  /** `replace` shows `cards` as a new stack, as displayAddOnCards does. */
  op: 'update' | 'push' | 'pop' | 'popToRoot' | 'replace';
  html?: string;
  cards?: string[];
}

/** What the page does after a card action, in the order Gmail does it. */
export interface ActionOutcome {
  navigation: CardStackOp[];
  notification: string | null;
  /** The add-on threw: shown as Gmail shows a failed add-on. */
  error: string | null;
  draft: EditedBody | null;
  openLink: { url: string } | null;
  /** A compose action's draft, which Gmail opens in a compose window. */
  composeDraft: ReturnType<typeof draftView> | null;
}

const STATIC_FILES: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const ID_PATTERN = '^[0-9a-f]{16}$';
const draftFields = {
  to: { type: 'string', maxLength: 2000 },
  subject: { type: 'string', maxLength: 998 },
  body: { type: 'string' },
} as const;
const draftSchema = { type: 'object', required: ['to', 'subject', 'body'], additionalProperties: false, properties: draftFields } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 10000 } } as const;
const formInputsSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 100000 }, { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 10000 } }] },
} as const;
const actionSchema = {
  type: 'object',
  required: ['surface', 'functionName', 'timeZone'],
  additionalProperties: false,
  properties: {
    surface: { enum: ['compose', 'message'] },
    id: { type: 'string', pattern: ID_PATTERN },
    functionName: { type: 'string', maxLength: 100 },
    parameters: stringMap,
    formInputs: formInputsSchema,
    timeZone: { type: 'string', maxLength: 100 },
    draft: {
      type: 'object',
      required: ['to', 'subject', 'body', 'selection'],
      additionalProperties: false,
      properties: {
        ...draftFields,
        selection: {
          type: 'object',
          required: ['start', 'end'],
          additionalProperties: false,
          properties: { start: { type: 'integer', minimum: 0 }, end: { type: 'integer', minimum: 0 } },
        },
      },
    },
  },
} as const;

interface ActionBody {
  surface: 'compose' | 'message';
  id?: string;
  functionName: string;
  parameters?: Record<string, string>;
  formInputs?: Record<string, string | string[]>;
  timeZone: string;
  draft?: DraftFields & { selection: Selection };
}

function sentView(message: SentMessage) {
  return { id: message.id, to: message.to, subject: message.subject, date: message.date.toISOString() };
}

function draftView(draft: Draft) {
  return { id: draft.id, to: draft.to, subject: draft.subject, body: draft.body };
}

/** Reads a card result as card HTML, or the error card Gmail would show. */
function cardHtml(functionName: string, result: CallResult): string {
  if (!result.ok) return renderErrorCard(functionName, result.error);
  if (result.json.type !== 'Card') return renderErrorCard(functionName, `it returned a ${result.json.type}, where Gmail expects a card`);
  return renderCard(result.json);
}

export function buildPlayground(options: PlaygroundOptions): FastifyInstance {
  const { host, mailbox } = options;
  const app = Fastify({ logger: loggerOptions(options.logLevel), bodyLimit: 2 * 1024 * 1024 });
  const indexHtml = readFileSync(resolve(options.publicDir, 'index.html'), 'utf8');
  const samples = loadSamples(options.samplesDir, options.baseUrl);
  const trackerOrigin = new URL(options.trackerBaseUrl).origin;

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof MailboxError) return reply.code(error.statusCode).send({ message: error.message });
    if (error instanceof DraftBodyError || error instanceof UnknownFunctionError) return reply.code(400).send({ message: error.message });
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode && statusCode < 500) return reply.code(statusCode).send({ message: (error as Error).message });
    request.log.error({ err: error }, 'playground request failed');
    return reply.code(500).send({ message: `the playground failed: ${(error as Error).message}` });
  });

  app.get('/', async (_request, reply) => reply.header('Content-Security-Policy', appPolicy()).type('text/html; charset=utf-8').send(indexHtml));

  app.get<{ Params: { file: string } }>('/static/:file', async (request, reply) => {
    const type = STATIC_FILES[request.params.file];
    if (!type) return reply.code(404).send({ message: `no static file ${request.params.file}` });
    return reply.type(type).header('Cache-Control', 'no-cache').send(readFileSync(resolve(options.publicDir, request.params.file)));
  });

  app.get('/api/config', async () => ({
    sender: mailbox.sender,
    trackerBaseUrl: options.trackerBaseUrl,
    baseUrl: options.baseUrl,
    samples: samples.map((sample: Sample) => ({ id: sample.id, title: sample.title })),
    // Gmail lists these in the add-on's menu on every card.
    universalActions: (host.addon.manifest.addOns.common.universalActions ?? []).map((action) => ({ label: action.label, functionName: action.runFunction })),
  }));

  app.get<{ Params: { id: string } }>('/api/samples/:id', async (request, reply) => {
    const sample = samples.find((candidate) => candidate.id === request.params.id);
    if (!sample) return reply.code(404).send({ message: `no sample ${request.params.id}; choose one of ${samples.map((s) => s.id).join(', ')}` });
    return { to: sample.to, subject: sample.subject, body: sample.body };
  });

  // Opening a new email runs the compose trigger, as opening the add-on in Gmail's compose window does.
  app.post<{ Body: DraftFields & { timeZone?: string } }>(
    '/api/drafts',
    { schema: { body: { ...draftSchema, required: ['to', 'subject', 'body'], properties: { ...draftFields, timeZone: { type: 'string', maxLength: 100 } } } } },
    async (request) => {
      const { timeZone = 'Etc/UTC', ...fields } = request.body;
      const draft = mailbox.createDraft(fields);
      const result = host.call({ functionName: HANDLER_NAMES.compose, timeZone, gmail: { kind: 'compose', recipients: parseAddresses(draft.to) } });
      return { draft: draftView(draft), card: cardHtml(HANDLER_NAMES.compose, result) };
    },
  );

  app.post<{ Params: { id: string }; Body: { timeZone?: string } }>(
    '/api/drafts/:id/compose',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } } } } },
    async (request) => {
      const draft = mailbox.getDraft(request.params.id);
      const result = host.call({ functionName: HANDLER_NAMES.compose, timeZone: request.body?.timeZone ?? 'Etc/UTC', gmail: { kind: 'compose', recipients: parseAddresses(draft.to) } });
      return { card: cardHtml(HANDLER_NAMES.compose, result) };
    },
  );

  app.put<{ Params: { id: string }; Body: DraftFields }>(
    '/api/drafts/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } } }, body: draftSchema } },
    async (request) => ({ draft: draftView(mailbox.updateDraft(request.params.id, request.body)) }),
  );

  app.post<{ Params: { id: string }; Body: DraftFields }>(
    '/api/drafts/:id/send',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } } }, body: draftSchema } },
    async (request) => {
      mailbox.updateDraft(request.params.id, request.body);
      const message = mailbox.send(request.params.id);
      request.log.info({ event: 'playground.sent', messageId: message.id }, 'email sent');
      return { message: sentView(message) };
    },
  );

  // With no email open, Gmail's side panel shows the add-on's homepage.
  app.post<{ Body: { timeZone?: string } }>('/api/homepage', async (request) => {
    const result = host.call({ functionName: HANDLER_NAMES.homepage, timeZone: request.body?.timeZone ?? 'Etc/UTC', gmail: { kind: 'none' } });
    return { card: cardHtml(HANDLER_NAMES.homepage, result) };
  });

  app.get('/api/sent', async () => ({ messages: mailbox.listSent().map(sentView) }));

  // Opening a sent email with the side panel open runs the contextual trigger.
  app.post<{ Params: { id: string }; Body: { timeZone?: string } }>(
    '/api/sent/:id/open',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN } } } } },
    async (request) => {
      const message = mailbox.getSent(request.params.id);
      const result = host.call({ functionName: HANDLER_NAMES.messageOpen, timeZone: request.body?.timeZone ?? 'Etc/UTC', gmail: messageContext(message) });
      return { message: sentView(message), card: cardHtml(HANDLER_NAMES.messageOpen, result) };
    },
  );

  app.post<{ Body: ActionBody }>('/api/actions', { schema: { body: actionSchema } }, async (request) => runAction(request.body));

  app.get<{ Params: { id: string } }>('/mail/:id', async (request, reply) => mailReply(reply, request.params.id, recipientPolicy(trackerOrigin)));
  app.get<{ Params: { id: string } }>('/sent/:id', async (request, reply) => mailReply(reply, request.params.id, senderPolicy()));

  app.get<{ Params: { slug: string } }>('/site/:slug', async (request, reply) => {
    const { slug } = request.params;
    if (!/^[a-z0-9-]{1,60}$/.test(slug)) return reply.code(404).type('text/plain').send(`no page ${slug}`);
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    return reply.type('text/html; charset=utf-8').send(destinationPage(slug, decodeURIComponent(query)));
  });

  function mailReply(reply: FastifyReply, id: string, policy: string) {
    const message = mailbox.getSent(id);
    return reply.header('Content-Security-Policy', policy).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(mailPage(message));
  }

  function runAction(body: ActionBody): ActionOutcome {
    let gmail: GmailContext = { kind: 'none' };
    let draft: Draft | null = null;
    if (body.surface === 'compose') {
      if (!body.id) throw new MailboxError('an action on the compose card needs the id of its draft');
      if (!body.draft) throw new MailboxError('an action on the compose card needs the draft: to, subject, body and selection');
      const { selection: _selection, ...fields } = body.draft;
      draft = mailbox.updateDraft(body.id, fields);
      gmail = { kind: 'compose', recipients: parseAddresses(draft.to) };
    } else if (body.id) {
      gmail = messageContext(mailbox.getSent(body.id));
    }

    const result = host.call({ functionName: body.functionName, parameters: body.parameters, formInputs: body.formInputs, timeZone: body.timeZone, gmail });
    const outcome: ActionOutcome = { navigation: [], notification: null, error: null, draft: null, openLink: null, composeDraft: null };
    if (!result.ok) return { ...outcome, error: `${body.functionName} failed: ${result.error}` };

    const json = result.json as unknown as Record<string, unknown>;
    if (result.json.type === 'Card') {
      outcome.navigation.push({ op: 'update', html: renderCard(result.json) });
      return outcome;
    }
    readNavigation(json.navigation, outcome);
    if (typeof json.notification === 'string') outcome.notification = json.notification;
    if (result.json.type === 'UniversalActionResponse') outcome.navigation.push({ op: 'replace', cards: result.json.cards.map((card) => renderCard(card)) });
    if (result.json.type === 'ComposeActionResponse') outcome.composeDraft = draftView(openComposedDraft(result.json.draft.draftId));
    const openLink = json.openLink as { url?: unknown } | undefined;
    if (openLink && typeof openLink.url === 'string') outcome.openLink = { url: openLink.url };

    if (json.type === 'UpdateDraftActionResponse') {
      if (!draft || !body.draft) throw new MailboxError('a draft update came from a card that is not a compose card');
      const edited = applyDraftUpdate(draft.body, body.draft.selection, json.body as Parameters<typeof applyDraftUpdate>[2]);
      mailbox.updateDraft(draft.id, { ...draft, body: edited.html });
      outcome.draft = edited;
    }
    return outcome;
  }

  /** Copies a draft the add-on created through GmailApp into the mailbox, as Gmail opens it for editing. */
  function openComposedDraft(draftId: string): Draft {
    const record = host.addon.gmail.drafts.find((candidate) => candidate.id === draftId);
    if (!record) throw new MailboxError(`the add-on returned the draft ${draftId}, which GmailApp never created`, 500);
    const body = record.htmlBody ?? escapeText(record.body).replace(/\n/g, '<br>');
    return mailbox.createDraft({ to: record.to, subject: record.subject, body });
  }

  return app;
}

function messageContext(message: SentMessage): GmailContext {
  return { kind: 'message', messageId: message.id, threadId: message.threadId, accessToken: message.accessToken };
}

/** Turns a Navigation's JSON into card stack operations, in the order Gmail applies them. */
function readNavigation(navigation: unknown, outcome: ActionOutcome): void {
  if (typeof navigation !== 'object' || navigation === null) return;
  const steps = navigation as Record<string, unknown>;
  if (steps.popToRoot) outcome.navigation.push({ op: 'popToRoot' });
  if (steps.popCard) outcome.navigation.push({ op: 'pop' });
  if (steps.pushCard) outcome.navigation.push({ op: 'push', html: renderCard(steps.pushCard as Parameters<typeof renderCard>[0]) });
  if (steps.updateCard) outcome.navigation.push({ op: 'update', html: renderCard(steps.updateCard as Parameters<typeof renderCard>[0]) });
}
