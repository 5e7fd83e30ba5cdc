import type { FastifyReply } from 'fastify';

/** A transparent 1x1 GIF89a (42 bytes): a two-colour palette and a transparency extension. */
export const TRANSPARENT_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Keeps Gmail's image proxy and browsers from caching, so each re-open reaches the tracker. */
export const NO_CACHE = 'no-cache, no-store, must-revalidate, max-age=0';

/** Sends the transparent GIF with status 200 and headers that keep image proxies from caching it. */
export function sendPixel(reply: FastifyReply): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'image/gif')
    .header('cache-control', NO_CACHE)
    .header('pragma', 'no-cache')
    .header('expires', '0')
    .send(TRANSPARENT_GIF);
}
