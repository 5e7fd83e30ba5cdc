import { FieldPath, type CollectionReference, type Query } from '@google-cloud/firestore';

/*
 * Every query FirestoreStore runs, as data. The store builds its queries only
 * from this table, and a test checks each entry against firestore.indexes.json,
 * because the emulator runs any query without an index while production
 * Firestore rejects a query that no index serves.
 */

export type Direction = 'asc' | 'desc';

export interface QuerySpec {
  /** Collection ID the query runs on (a subcollection's own ID, such as "hits"). */
  collectionGroup: 'messages' | 'hits' | 'counters' | 'selfViews';
  /** Fields compared with `==`, in the order the query applies them. */
  equals: string[];
  /** Field compared with `<`, `<=`, `>` or `>=`; it must also be the first orderBy field. */
  range: { field: string; op: '<' | '<=' | '>' | '>=' } | null;
  /** Sort order; `__name__` is the document ID. */
  orderBy: Array<{ field: string; direction: Direction }>;
}

export const QUERIES = {
  /** A sender's activity feed, newest activity first, paged by (lastActivityAt, token). */
  activityPage: {
    collectionGroup: 'messages',
    equals: ['owner'],
    range: null,
    orderBy: [
      { field: 'lastActivityAt', direction: 'desc' },
      { field: '__name__', direction: 'desc' },
    ],
  },
  /** Every message of a sender, for deleteOwner. */
  ownerMessages: {
    collectionGroup: 'messages',
    equals: ['owner'],
    range: null,
    orderBy: [],
  },
  /** Messages whose retention has ended, for purgeExpired. */
  expiredMessages: {
    collectionGroup: 'messages',
    equals: [],
    range: { field: 'expiresAt', op: '<=' },
    orderBy: [{ field: 'expiresAt', direction: 'asc' }],
  },
  /** The newest hits of one message, for the summary. */
  recentHits: {
    collectionGroup: 'hits',
    equals: [],
    range: null,
    orderBy: [
      { field: 'at', direction: 'desc' },
      { field: '__name__', direction: 'desc' },
    ],
  },
  /** Hits of one message from a time on, oldest first, for relabelling. */
  hitsSince: {
    collectionGroup: 'hits',
    equals: [],
    range: { field: 'at', op: '>=' },
    orderBy: [
      { field: 'at', direction: 'asc' },
      { field: '__name__', direction: 'asc' },
    ],
  },
  /** The first open labelled "recipient". */
  firstRecipientOpen: {
    collectionGroup: 'hits',
    equals: ['kind', 'label'],
    range: null,
    orderBy: [{ field: 'at', direction: 'asc' }],
  },
  /** The last open labelled "recipient". */
  lastRecipientOpen: {
    collectionGroup: 'hits',
    equals: ['kind', 'label'],
    range: null,
    orderBy: [{ field: 'at', direction: 'desc' }],
  },
  /** Self-views of one message in time order: their document IDs are zero-padded times. */
  selfViews: {
    collectionGroup: 'selfViews',
    equals: [],
    range: null,
    orderBy: [{ field: '__name__', direction: 'asc' }],
  },
} satisfies Record<string, QuerySpec>;

export type QueryName = keyof typeof QUERIES;

/** Names of the queries built since the process started; the contract test checks it covers the table. */
export const queriesBuilt = new Set<QueryName>();

export interface QueryValues {
  /** Values for `equals`, in the same order. */
  equals?: unknown[];
  range?: unknown;
}

/** Builds the named query on `collection`; the only way the store makes a query. */
export function buildQuery(collection: CollectionReference, name: QueryName, values: QueryValues = {}): Query {
  const spec: QuerySpec = QUERIES[name];
  queriesBuilt.add(name);

  const equalValues = values.equals ?? [];
  if (equalValues.length !== spec.equals.length) {
    throw new Error(`query ${name} needs ${spec.equals.length} equality values, got ${equalValues.length}`);
  }
  let query: Query = collection;
  spec.equals.forEach((field, index) => {
    query = query.where(field, '==', equalValues[index]);
  });
  if (spec.range) query = query.where(spec.range.field, spec.range.op, values.range);
  for (const order of spec.orderBy) {
    query = query.orderBy(order.field === '__name__' ? FieldPath.documentId() : order.field, order.direction);
  }
  return query;
}
