import type { FastifyInstance } from 'fastify';
import { sendPixel } from '../gif';
import { recordHit } from '../hits';
import { verifyToken } from '../tokens';
import type { AppContext } from '../app';

/**
 * The open pixel, `GET /o/<token>.gif`, as inserted into tracked drafts.
 * Whatever fails, the response is the transparent GIF with status 200: Gmail's
 * image proxy is reported to cache error responses, and a broken image would
 * show in the recipient's mail.
 */
export function pixelRoutes(app: FastifyInstance, context: AppContext): void {
  app.get<{ Params: { file: string } }>('/o/:file', async (request, reply) => {
    const token = request.params.file.endsWith('.gif') ? request.params.file.slice(0, -4) : '';

    // Tokens carry an HMAC tag, so one we never issued costs no store access.
    if (verifyToken(context.config.signingSecret, token)) {
      try {
        await recordHit(request, context, token, 'open', null);
      } catch (error) {
        request.log.error({ err: error, token }, 'open not recorded');
      }
    }

    return sendPixel(reply);
  });
}
