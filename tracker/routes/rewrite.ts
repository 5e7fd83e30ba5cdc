import type { FastifyPluginAsync } from 'fastify';
import type { RewriteRequest, RewriteResponse, RewrittenLink } from '../../shared/api';
import type { AppContext } from '../app';
import { rewriteEmailHtml, type LinkReport } from '../rewrite/rewriteEmailHtml';
import { tokenSchema } from '../schemas';
import { authenticate, messageNotFound, ownedMessage } from './api';

const rewriteBody = {
  type: 'object',
  required: ['token', 'html'],
  additionalProperties: false,
  properties: {
    token: tokenSchema,
    html: { type: 'string' },
    insertPixel: { type: 'boolean' },
  },
} as const;

const rewriteReply = {
  type: 'object',
  required: ['html', 'pixel', 'links'],
  properties: {
    html: { type: 'string' },
    pixel: { type: 'string', enum: ['inserted', 'present', 'not_requested'] },
    links: {
      type: 'array',
      items: {
        type: 'object',
        required: ['href', 'tracked'],
        properties: {
          href: { type: 'string' },
          tracked: { type: 'boolean' },
          destination: { type: 'string' },
          trackedUrl: { type: 'string' },
          reason: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Drops the source offsets, which only mean something next to the request's own text. */
function toRewrittenLink(link: LinkReport): RewrittenLink {
  const { sourceOffset: _offset, sourceText: _text, ...rest } = link;
  return rest;
}

/**
 * `POST /api/rewrite`: inserts the open pixel into a message body the sender
 * owns and turns its http(s) links into tracked links, returning the new HTML
 * and what happened to each link. Nothing is stored: every tracked link
 * carries its signed destination.
 */
export const rewriteRoutes: FastifyPluginAsync<{ context: AppContext }> = async (app, { context }) => {
  app.addHook('onRequest', authenticate(context));

  app.post<{ Body: RewriteRequest; Reply: RewriteResponse }>(
    '/api/rewrite',
    { schema: { body: rewriteBody, response: { 200: rewriteReply } } },
    async (request, reply) => {
      const { token, html, insertPixel = true } = request.body;
      if (!(await ownedMessage(context, request, token))) return messageNotFound(reply, token);

      const result = rewriteEmailHtml(html, {
        base: context.config.publicBaseUrl,
        token,
        secret: context.config.signingSecret,
        insertPixel,
      });
      const tracked = result.links.filter((link) => link.tracked).length;
      request.log.info(
        { event: 'message.rewritten', token, pixel: result.pixel, tracked, skipped: result.links.length - tracked },
        'message body rewritten',
      );
      return reply.send({ html: result.html, pixel: result.pixel, links: result.links.map(toRewrittenLink) });
    },
  );
};
