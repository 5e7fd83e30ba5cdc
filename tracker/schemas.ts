import { HIT_LABELS } from '../shared/labels';
import { TOKEN_PATTERN } from '../shared/urls';

/*
 * JSON schemas of the API, mirroring the types in shared/api.ts. Fastify
 * validates requests and serialises responses with them, so a response can
 * carry no field the schema does not name.
 */

export const tokenSchema = { type: 'string', pattern: `^${TOKEN_PATTERN}$` } as const;

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

const labelCounts = {
  type: 'object',
  required: [...HIT_LABELS],
  properties: Object.fromEntries(HIT_LABELS.map((label) => [label, { type: 'integer' }])),
} as const;

const location = {
  type: ['object', 'null'],
  required: ['country', 'region', 'city', 'timeZone'],
  properties: { country: nullableString, region: nullableString, city: nullableString, timeZone: nullableString },
} as const;

export const hitViewSchema = {
  type: 'object',
  required: ['id', 'at', 'kind', 'label', 'location', 'proxy', 'client', 'os', 'device'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    kind: { type: 'string', enum: ['open', 'click'] },
    label: { type: 'string', enum: [...HIT_LABELS] },
    url: { type: 'string' },
    location,
    proxy: { type: ['string', 'null'], enum: ['gmail', 'yahoo', 'apple', null] },
    client: nullableString,
    os: nullableString,
    device: nullableString,
  },
} as const;

export const createMessageBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    recipients: { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 320 } },
  },
} as const;

export const createMessageReply = {
  type: 'object',
  required: ['token', 'pixelUrl', 'pixelHtml'],
  properties: { token: { type: 'string' }, pixelUrl: { type: 'string' }, pixelHtml: { type: 'string' } },
} as const;

export const createLinkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'url'],
  properties: {
    token: tokenSchema,
    url: { type: 'string', minLength: 1, maxLength: 8192 },
    text: { type: 'string', maxLength: 2000 },
  },
} as const;

export const createLinkReply = {
  type: 'object',
  required: ['trackedUrl'],
  properties: { trackedUrl: { type: 'string' }, html: { type: 'string' } },
} as const;

export const summaryReply = {
  type: 'object',
  required: ['token', 'subject', 'recipients', 'createdAt', 'sentAt', 'opens', 'clicks', 'firstOpenAt', 'lastOpenAt', 'hits', 'totalHits'],
  properties: {
    token: { type: 'string' },
    subject: nullableString,
    recipients: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    sentAt: nullableString,
    opens: labelCounts,
    clicks: labelCounts,
    firstOpenAt: nullableString,
    lastOpenAt: nullableString,
    hits: { type: 'array', items: hitViewSchema },
    totalHits: { type: 'integer' },
  },
} as const;

export const activityQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 50 },
    cursor: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' },
  },
} as const;

export const activityReply = {
  type: 'object',
  required: ['items', 'next'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['token', 'subject', 'recipients', 'sentAt', 'lastActivityAt', 'recipientOpens', 'recipientClicks'],
        properties: {
          token: { type: 'string' },
          subject: nullableString,
          recipients: { type: 'array', items: { type: 'string' } },
          sentAt: nullableString,
          lastActivityAt: { type: 'string' },
          recipientOpens: { type: 'integer' },
          recipientClicks: { type: 'integer' },
        },
      },
    },
    next: nullableString,
  },
} as const;

export const deleteMyDataReply = {
  type: 'object',
  required: ['deletedMessages'],
  properties: { deletedMessages: { type: 'integer' } },
} as const;
