import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createVerifier, type IdTokenVerifier } from './auth/verifier';
import type { Config } from './config';
import { HitWriter } from './hitWriter';
import { loggerOptions } from './logger';
import { apiRoutes } from './routes/api';
import { linkRoutes } from './routes/links';
import { sendPixel } from './gif';
import { pixelRoutes } from './routes/pixel';
import { privacyRoutes } from './routes/privacy';
import { registerApiRateLimit } from './rateLimit';
import { rewriteRoutes } from './routes/rewrite';
import { factsRoutes } from './routes/facts';
import { Relabeller } from './classify/relabel';
import type { HitRecord, Store } from './store/types';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AppDeps {
  store: Store;
  clock?: Clock;
  verifier?: IdTokenVerifier;
  /** Receives the hits of each committed batch, for relabelling. */
  onCommitted?: (hits: HitRecord[]) => void;
  logger?: FastifyBaseLogger;
}

/** Configuration and shared services that route modules receive from the app. */
export interface AppContext {
  config: Config;
  store: Store;
  clock: Clock;
  verifier: IdTokenVerifier;
  hitWriter: HitWriter;
  relabeller: Relabeller;
}

/**
 * Builds the tracker without listening, so tests use `inject()` or a real port
 * alike and production wraps it in `listen()`. Closing the app commits queued
 * hits; the caller closes the store afterwards.
 */
export function buildApp(config: Config, deps: AppDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    // Trust exactly the configured number of proxy hops (Cloud Run adds one), so
    // request.ip is the address that hop saw and a client cannot spoof it.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Per-request lines would carry nothing the routes' own events do not, at
    // thousands of lines a second under load.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: false,
    // URLs that no route can take (invalid percent-encoding, a parameter over
    // maxParamLength): pixel paths still get the GIF, others a 400 that does not echo the URL.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (request.url.startsWith('/o/')) return sendPixel(reply);
      return reply.code(400).send({ error: 'invalid_url', message: `invalid request URL (${error.code}); check its percent-encoding and length` });
    },
  });

  const relabeller = new Relabeller(deps.store, app.log, config.relabelDelayMs);
  const hitWriter = new HitWriter(
    deps.store,
    { maxWaitMs: config.batchMaxWaitMs, maxHits: config.batchMaxHits, deadlineMs: config.commitDeadlineMs },
    app.log,
    (hits) => {
      relabeller.afterCommit(hits);
      deps.onCommitted?.(hits);
    },
  );
  const context: AppContext = {
    config,
    store: deps.store,
    clock: deps.clock ?? systemClock,
    verifier: deps.verifier ?? createVerifier(config),
    hitWriter,
    relabeller,
  };
  app.decorate('context', context);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return reply.code(400).send({ error: 'invalid_request', message: `invalid request: ${error.message}` });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.code ?? 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'the tracker failed to handle this request; try again later' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0].slice(0, 200)}` });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  pixelRoutes(app, context);
  linkRoutes(app, context);
  privacyRoutes(app, context);
  registerApiRateLimit(app, context, config.apiRateLimitPerMinute);
  apiRoutes(app, context);
  app.register(rewriteRoutes, { context });
  factsRoutes(app, context, relabeller);

  app.addHook('onClose', async () => {
    await hitWriter.drain();
    await relabeller.drain();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    context: AppContext;
  }
}
