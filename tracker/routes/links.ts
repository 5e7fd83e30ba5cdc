import type { FastifyInstance, FastifyReply } from 'fastify';
import { checkDestination, toLocationHeader } from '../destination';
import { recordHit } from '../hits';
import { verifyLinkSignature, verifyToken } from '../tokens';
import type { AppContext } from '../app';

const INVALID_LINK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invalid link</title></head>
<body><h1>This link is invalid</h1><p>The link was changed after it was sent, so it cannot be followed.
Ask the sender for the original link.</p></body></html>
`;

function invalidLink(reply: FastifyReply): FastifyReply {
  // The page never repeats the requested URL: it was edited by someone else.
  return reply.code(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(INVALID_LINK_PAGE);
}

/**
 * Tracked links, `GET /l/<token>/<signature>/<destination as base64url>`. The
 * destination travels in the link and is signed with the server secret, so the
 * redirect needs no store and goes only where we signed. A click is recorded on
 * the way; when that fails the redirect still happens and the hit is logged.
 */
export function linkRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Params: { token: string; signature: string; destination: string } }>(
    '/l/:token/:signature/:destination',
    async (request, reply) => {
      const { token, signature, destination: encoded } = request.params;
      if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return invalidLink(reply);
      const destination = Buffer.from(encoded, 'base64url').toString('utf8');
      if (Buffer.from(destination, 'utf8').toString('base64url') !== encoded) return invalidLink(reply);
      if (!verifyLinkSignature(context.config.signingSecret, token, destination, signature)) return invalidLink(reply);

      // Checked again although signed: the rules may have tightened since the link was made.
      const checked = checkDestination(destination);
      if (!checked.ok) return invalidLink(reply);

      if (verifyToken(context.config.signingSecret, token)) {
        try {
          await recordHit(request, context, token, 'click', checked.url);
        } catch (error) {
          request.log.error({ err: error, token }, 'click not recorded');
        }
      }

      return reply
        .code(302)
        .header('location', toLocationHeader(checked.url))
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send();
    },
  );
  app.all('/l/*', async (_request, reply) => invalidLink(reply));
}
