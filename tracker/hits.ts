import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { HitKind } from '../shared/labels';
import { describeReader } from './classify/reader';
import { labelOnArrival } from './classify/labels';
import { truncateIp } from './classify/ip';
import type { AppContext } from './app';
import type { Config } from './config';
import type { HitOutcome } from './hitWriter';
import type { HitRecord } from './store/types';

const MAX_USER_AGENT_LENGTH = 512;

/**
 * Builds the hit record for a pixel load or click. Everything that needs the
 * full client address (location, mail proxy) is derived here, before the
 * address is truncated for storage.
 */
export function buildHit(request: FastifyRequest, config: Config, now: number, token: string, kind: HitKind, url: string | null): HitRecord {
  const rawAgent = request.headers['user-agent'];
  const userAgent = typeof rawAgent === 'string' && rawAgent.length > 0 ? rawAgent.slice(0, MAX_USER_AGENT_LENGTH) : null;
  const fullIp = request.ip || null;
  const facts = describeReader(fullIp, userAgent);

  let ip: string | null = null;
  if (fullIp && config.ipStorage === 'full') ip = fullIp;
  else if (fullIp && config.ipStorage === 'truncated') ip = truncateIp(fullIp);

  const hit: Omit<HitRecord, 'label'> = {
    id: randomUUID(),
    token,
    kind,
    at: now,
    method: request.method,
    url,
    ip,
    userAgent,
    ...facts,
  };
  return { ...hit, label: labelOnArrival(hit) };
}

/**
 * Builds the hit of a pixel load or click, labels it with what this process
 * remembers of the message's recent hits, and waits for its commit (or for it
 * to be logged for replay).
 */
export function recordHit(request: FastifyRequest, context: AppContext, token: string, kind: HitKind, url: string | null): Promise<HitOutcome> {
  const hit = buildHit(request, context.config, context.clock.now(), token, kind, url);
  hit.label = context.relabeller.labelArrival(hit);
  return context.hitWriter.record(hit);
}
