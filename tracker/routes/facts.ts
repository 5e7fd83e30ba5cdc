/**
 * Facts the add-on reports about a sent message: its send time and subject,
 * and the sender's own views of it. Each report relabels every hit of the
 * message and returns the updated summary, so its per-label counts follow.
 * Only the message's owner may report; another sender gets 404.
 */
import type { FastifyInstance } from 'fastify';
import type { MessageFactsRequest, MessageSummary, SelfViewRequest } from '../../shared/api';
import type { AppContext } from '../app';
import type { Relabeller } from '../classify/relabel';
import * as schemas from '../schemas';
import type { MessageRecord } from '../store/types';
import { authenticate, DEFAULT_SUMMARY_HITS, messageNotFound, ownedMessage, sendError, toSummary } from './api';

/**
 * How far ahead of the tracker's clock a reported time may be. Gmail's and the
 * tracker's clocks differ by seconds at most; a time further ahead would mark
 * every later hit as "before send".
 */
export const MAX_CLOCK_AHEAD_MS = 10 * 60_000;

const MAX_SUBJECT_LENGTH = 998;

const isoTime = { type: 'string', minLength: 1, maxLength: 40 } as const;

const tokenParams = { type: 'object', required: ['token'], properties: { token: schemas.tokenSchema } } as const;

const factsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['sentAt'],
  properties: {
    sentAt: isoTime,
    subject: { type: ['string', 'null'], maxLength: MAX_SUBJECT_LENGTH },
  },
} as const;

const selfViewBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    at: isoTime,
    quoted: { type: 'boolean' },
  },
} as const;

/**
 * Parses a reported ISO 8601 time and checks it against the tracker's clock.
 * Returns epoch milliseconds, or an error message naming the field and value.
 */
function parseReportedTime(field: string, value: string, now: number): number | string {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    return `${field} "${value}" is not an ISO 8601 date-time; send it as new Date(...).toISOString() does, for example 2026-03-02T09:00:00.000Z`;
  }
  if (ms > now + MAX_CLOCK_AHEAD_MS) {
    return `${field} "${value}" is more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of the tracker's clock (${new Date(now).toISOString()}); check the device clock`;
  }
  return ms;
}

async function summaryAfterRelabel(context: AppContext, relabeller: Relabeller, message: MessageRecord): Promise<MessageSummary | null> {
  await relabeller.relabel(message.token);
  const data = await context.store.summary(message.token, DEFAULT_SUMMARY_HITS);
  return data ? toSummary(data) : null;
}

/** Registers the facts routes; they share the API's identity-token authentication. */
export function factsRoutes(app: FastifyInstance, context: AppContext, relabeller: Relabeller): void {
  app.register(async (api) => {
    api.addHook('onRequest', authenticate(context));

    api.post<{ Params: { token: string }; Body: MessageFactsRequest }>(
      '/api/messages/:token/facts',
      { schema: { params: tokenParams, body: factsBody, response: { 200: schemas.summaryReply } } },
      async (request, reply) => {
        const { token } = request.params;
        const message = await ownedMessage(context, request, token);
        if (!message) return messageNotFound(reply, token);

        const sentAt = parseReportedTime('sentAt', request.body.sentAt, context.clock.now());
        if (typeof sentAt === 'string') return sendError(reply, 400, 'invalid_sent_at', sentAt);

        await context.store.updateMessage(token, { sentAt, subject: request.body.subject });
        const summary = await summaryAfterRelabel(context, relabeller, { ...message, sentAt });
        if (!summary) return messageNotFound(reply, token);
        request.log.info({ event: 'message.facts', token }, 'send time reported; hits relabelled');
        return reply.send(summary);
      },
    );

    api.post<{ Params: { token: string }; Body: SelfViewRequest }>(
      '/api/messages/:token/self-views',
      {
        schema: { params: tokenParams, body: selfViewBody, response: { 200: schemas.summaryReply } },
        // Every field is optional, so a request without a body means "now".
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
      },
      async (request, reply) => {
        const { token } = request.params;
        const message = await ownedMessage(context, request, token);
        if (!message) return messageNotFound(reply, token);

        const now = context.clock.now();
        const body = request.body;
        const at = body.at === undefined ? now : parseReportedTime('at', body.at, now);
        if (typeof at === 'string') return sendError(reply, 400, 'invalid_at', at);

        // NOTE: the store keeps only the time of a self-view. `quoted` is logged,
        // and a quoted view is labelled like a view of the message itself.
        await context.store.addSelfView({ token, at });
        relabeller.noteSelfView(token, at);
        const summary = await summaryAfterRelabel(context, relabeller, message);
        if (!summary) return messageNotFound(reply, token);
        request.log.info({ event: 'message.self_view', token, quoted: body.quoted === true }, 'self-view reported; hits relabelled');
        return reply.send(summary);
      },
    );
  });
}
