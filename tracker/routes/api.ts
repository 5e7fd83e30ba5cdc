import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  ActivityResponse,
  CreateLinkRequest,
  CreateLinkResponse,
  CreateMessageRequest,
  CreateMessageResponse,
  DeleteMyDataResponse,
  HitView,
  MessageSummary,
} from '../../shared/api';
import { pixelHtml, pixelUrl, trackedLinkUrl } from '../../shared/urls';
import { AuthError, type Sender } from '../auth/verifier';
import { checkDestination } from '../destination';
import * as schemas from '../schemas';
import type { HitRecord, MessageRecord, SummaryData } from '../store/types';
import { issueToken, signLink } from '../tokens';
import type { AppContext } from '../app';

declare module 'fastify' {
  interface FastifyRequest {
    sender: Sender | null;
  }
}

// A Firestore summary costs 7 reads plus one per listed hit; 18 hits keep it at 25 reads at most.
export const DEFAULT_SUMMARY_HITS = 18;
const DEFAULT_ACTIVITY_PAGE = 20;
const MAX_SUMMARY_HITS = 500;

export function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message });
}

/**
 * Verifies the `Authorization: Bearer <identity token>` header and sets
 * `request.sender`. Routes that read or change a sender's data register it as
 * an onRequest hook.
 */
export function authenticate(context: AppContext) {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
    if (!match) {
      return sendError(reply, 401, 'unauthenticated', 'Authorization header must be "Bearer <Google identity token>"');
    }
    try {
      request.sender = await context.verifier.verify(match[1]);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      request.log.info({ event: 'auth.rejected', reason: error.message }, 'identity token rejected');
      return sendError(reply, 401, 'unauthenticated', error.message);
    }
  };
}

/** Loads a message owned by the request's sender; another sender's message is reported as not found. */
export async function ownedMessage(context: AppContext, request: FastifyRequest, token: string): Promise<MessageRecord | null> {
  const message = await context.store.getMessage(token);
  if (!message || message.owner !== request.sender?.email) return null;
  return message;
}

export function messageNotFound(reply: FastifyReply, token: string): FastifyReply {
  return sendError(reply, 404, 'message_not_found', `no tracked message with token "${token}" belongs to you`);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toHitView(hit: HitRecord): HitView {
  const view: HitView = {
    id: hit.id,
    at: new Date(hit.at).toISOString(),
    kind: hit.kind,
    label: hit.label,
    location: hit.location,
    proxy: hit.proxy,
    client: hit.client,
    os: hit.os,
    device: hit.device,
  };
  if (hit.url !== null) view.url = hit.url;
  return view;
}

export function toSummary(data: SummaryData): MessageSummary {
  return {
    token: data.message.token,
    subject: data.message.subject,
    recipients: data.message.recipients,
    createdAt: new Date(data.message.createdAt).toISOString(),
    sentAt: iso(data.message.sentAt),
    opens: data.counts.open,
    clicks: data.counts.click,
    firstOpenAt: iso(data.firstRecipientOpenAt),
    lastOpenAt: iso(data.lastRecipientOpenAt),
    hits: data.recentHits.map(toHitView),
    totalHits: data.totalHits,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Registers the add-on's API: tracked messages and links, summaries, the activity feed, deleting a sender's data. */
export function apiRoutes(app: FastifyInstance, context: AppContext): void {
  app.decorateRequest('sender', null);

  app.register(async (api) => {
    api.addHook('onRequest', authenticate(context));

    api.post<{ Body: CreateMessageRequest; Reply: CreateMessageResponse }>(
      '/api/messages',
      { schema: { body: schemas.createMessageBody, response: { 201: schemas.createMessageReply } } },
      async (request, reply) => {
        const now = context.clock.now();
        const token = issueToken(context.config.signingSecret);
        await context.store.createMessage({
          token,
          owner: (request.sender as Sender).email,
          createdAt: now,
          subject: null,
          recipients: request.body.recipients ?? [],
          sentAt: null,
          expiresAt: now + context.config.retentionDays * 86_400_000,
        });
        request.log.info({ event: 'message.created', token }, 'tracked message created');
        const base = context.config.publicBaseUrl;
        return reply.code(201).send({ token, pixelUrl: pixelUrl(base, token), pixelHtml: pixelHtml(base, token) });
      },
    );

    api.post<{ Body: CreateLinkRequest; Reply: CreateLinkResponse }>(
      '/api/links',
      { schema: { body: schemas.createLinkBody, response: { 201: schemas.createLinkReply } } },
      async (request, reply) => {
        const { token, url, text } = request.body;
        if (!(await ownedMessage(context, request, token))) return messageNotFound(reply, token);

        const checked = checkDestination(url);
        if (!checked.ok) {
          return sendError(reply, 400, 'invalid_url', `cannot track "${url.slice(0, 200)}": ${checked.reason}`);
        }
        const secret = context.config.signingSecret;
        const trackedUrl = trackedLinkUrl(context.config.publicBaseUrl, token, signLink(secret, token, checked.url), checked.url);
        const response: CreateLinkResponse = { trackedUrl };
        if (text !== undefined) response.html = `<a href="${escapeHtml(trackedUrl)}">${escapeHtml(text || checked.url)}</a>`;
        return reply.code(201).send(response);
      },
    );

    api.get<{ Params: { token: string }; Querystring: { hits?: number } }>(
      '/api/messages/:token/summary',
      {
        schema: {
          params: { type: 'object', properties: { token: schemas.tokenSchema } },
          querystring: { type: 'object', properties: { hits: { type: 'integer', minimum: 0, maximum: MAX_SUMMARY_HITS } } },
          response: { 200: schemas.summaryReply },
        },
      },
      async (request, reply) => {
        const { token } = request.params;
        if (!(await ownedMessage(context, request, token))) return messageNotFound(reply, token);
        const data = await context.store.summary(token, request.query.hits ?? DEFAULT_SUMMARY_HITS);
        if (!data) return messageNotFound(reply, token);
        return reply.send(toSummary(data));
      },
    );

    api.get<{ Querystring: { limit?: number; cursor?: string }; Reply: ActivityResponse }>(
      '/api/activity',
      { schema: { querystring: schemas.activityQuery, response: { 200: schemas.activityReply } } },
      async (request, reply) => {
        const { limit = DEFAULT_ACTIVITY_PAGE, cursor = null } = request.query;
        let page;
        try {
          page = await context.store.activity((request.sender as Sender).email, limit, cursor);
        } catch (error) {
          if (error instanceof RangeError) return sendError(reply, 400, 'invalid_cursor', `${error.message}; start again without a cursor`);
          throw error;
        }
        return reply.send({
          items: page.entries.map((entry) => ({
            token: entry.message.token,
            subject: entry.message.subject,
            recipients: entry.message.recipients,
            sentAt: iso(entry.message.sentAt),
            lastActivityAt: new Date(entry.lastActivityAt).toISOString(),
            recipientOpens: entry.recipientOpens,
            recipientClicks: entry.recipientClicks,
          })),
          next: page.next,
        });
      },
    );

    api.delete<{ Reply: DeleteMyDataResponse }>(
      '/api/me/data',
      { schema: { response: { 200: schemas.deleteMyDataReply } } },
      async (request, reply) => {
        const deletedMessages = await context.store.deleteOwner((request.sender as Sender).email);
        request.log.info({ event: 'owner.deleted', deletedMessages }, 'deleted every tracked message of a sender');
        return reply.send({ deletedMessages });
      },
    );
  });
}
