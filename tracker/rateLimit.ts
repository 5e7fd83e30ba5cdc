import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from './app';
import { AuthError, type IdTokenVerifier, type Sender } from './auth/verifier';
import { truncateIp } from './classify/ip';

/*
 * Rate limit of the add-on's API (`/api/...`). A request with a valid identity
 * token counts against its sender; any other request counts against the
 * client's truncated address (IPv4 /24, IPv6 /48). Keying verified requests by
 * sender matters because every Apps Script call reaches us from Google's shared
 * addresses, so an address key would make all senders share one budget.
 *
 * Pixels and tracked links are never limited: a reader's mail client must
 * always get its image and every click must reach its destination.
 */

const WINDOW_MS = 60_000;
const BEARER = /^Bearer ([A-Za-z0-9._-]+)$/;

/** Whom each limited request was counted against, for the 429 message. */
const keyKinds = new WeakMap<FastifyRequest, 'sender' | 'address'>();

/** Error thrown when a client is over its limit; the app's error handler sends it as JSON. */
class RateLimitedError extends Error {
  readonly statusCode = 429;
  readonly code = 'rate_limited';
}

/** How long a successful verification is reused for the same token string. */
const VERIFIED_REUSE_MS = 5_000;
const MAX_REUSED_TOKENS = 1_000;

/**
 * Wraps a verifier so a token verified in the last `VERIFIED_REUSE_MS` is not
 * verified again. The rate limit verifies a request's token before the API's
 * authentication hook does, and one google-auth-library verification costs
 * about 0.45 ms of CPU (measured on the benchmark machine). A token that
 * expires within the window is accepted up to 5 s late, well inside the
 * library's own 300 s clock-skew allowance. Failures are never reused.
 */
export function reusingVerifier(inner: IdTokenVerifier, now: () => number = Date.now): IdTokenVerifier {
  const verified = new Map<string, { sender: Promise<Sender>; until: number }>();
  return {
    verify(idToken: string): Promise<Sender> {
      const time = now();
      const entry = verified.get(idToken);
      if (entry && entry.until > time) return entry.sender;

      if (verified.size >= MAX_REUSED_TOKENS) {
        for (const [token, { until }] of verified) if (until <= time) verified.delete(token);
        if (verified.size >= MAX_REUSED_TOKENS) verified.clear();
      }
      const sender = inner.verify(idToken);
      verified.set(idToken, { sender, until: time + VERIFIED_REUSE_MS });
      sender.catch(() => verified.delete(idToken));
      return sender;
    },
  };
}

/**
 * Returns the key a request counts against. The identity token is verified
 * here because an unverified claim would let a client pick a fresh key for
 * every request.
 */
async function rateLimitKey(context: AppContext, request: FastifyRequest): Promise<string> {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (match) {
    try {
      const sender = await context.verifier.verify(match[1]);
      keyKinds.set(request, 'sender');
      return `sender:${sender.email}`;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
    }
  }
  keyKinds.set(request, 'address');
  return `address:${truncateIp(request.ip) ?? request.ip}`;
}

/**
 * Registers the API rate limit: `perMinute` requests per key in a fixed
 * one-minute window, with `Retry-After` and `X-RateLimit-*` headers.
 */
export function registerApiRateLimit(app: FastifyInstance, context: AppContext, perMinute: number): void {
  context.verifier = reusingVerifier(context.verifier);
  // `global: false`: the plugin itself limits no route, the hook below decides.
  app.register(fastifyRateLimit, { global: false });

  app.after(() => {
    const limit = app.rateLimit({
      max: perMinute,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) => rateLimitKey(context, request),
      errorResponseBuilder: (request, { ttl }) => {
        const seconds = Math.max(1, Math.ceil(ttl / 1000));
        const countedAgainst = keyKinds.get(request) === 'sender' ? 'this sender' : 'this client address';
        request.log.info({ event: 'api.rate_limited', limitPerMinute: perMinute, retryAfterSeconds: seconds }, 'API request rate limited');
        return new RateLimitedError(
          `rate limit of ${perMinute} API requests per minute exceeded for ${countedAgainst}; retry in ${seconds} seconds`,
        );
      },
    });

    // A root hook that returns at once outside /api/, so the API routes are
    // limited before their authentication runs and no other route is touched.
    // Callback style, so pixels and links pass without allocating a promise.
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith('/api/')) return done();
      limit.call(app, request, reply).then(() => done(), done);
    });
  });
}
