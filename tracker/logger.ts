import type { FastifyServerOptions } from 'fastify';

/** pino levels as Cloud Logging severities, so Cloud Run shows each line at its level. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * Logger options for the tracker: JSON lines with a `severity` field. Request
 * lines carry method, route and status only: never the client address, the
 * headers (identity tokens travel in Authorization) or the user agent.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    messageKey: 'message',
    formatters: { level: (label: string) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
    serializers: {
      req: (request: { method: string; routeOptions?: { url?: string } }) => ({ method: request.method, route: request.routeOptions?.url }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
    },
  };
}
