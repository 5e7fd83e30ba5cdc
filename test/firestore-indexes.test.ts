import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUERIES, type QuerySpec } from '../tracker/store/firestore-queries';

/*
 * The emulator serves every query with or without an index; production
 * Firestore rejects one that no index serves. This checks each query in the
 * store's table against firestore.indexes.json with Firestore's rules:
 * - ordering by the document ID alone needs no index;
 * - equality on one field, or a range and order on one field (then the
 *   document ID in the same direction), uses that field's single-field index,
 *   which exists unless a field override leaves it out;
 * - anything else needs a composite index: the equality fields in any order,
 *   then the order fields with their directions.
 */

type Order = 'ASCENDING' | 'DESCENDING';

interface IndexConfig {
  indexes: Array<{ collectionGroup: string; queryScope: string; fields: Array<{ fieldPath: string; order?: Order; arrayConfig?: string }> }>;
  fieldOverrides: Array<{ collectionGroup: string; fieldPath: string; indexes: Array<{ order?: Order; arrayConfig?: string; queryScope: string }> }>;
}

const config = JSON.parse(readFileSync(join(__dirname, '..', 'firestore.indexes.json'), 'utf8')) as IndexConfig;

function toOrder(direction: 'asc' | 'desc'): Order {
  return direction === 'asc' ? 'ASCENDING' : 'DESCENDING';
}

function hasSingleFieldIndex(index: IndexConfig, group: string, field: string, order: Order): boolean {
  const override = index.fieldOverrides.find((entry) => entry.collectionGroup === group && entry.fieldPath === field);
  // Without an override Firestore keeps ascending and descending collection-scope indexes.
  if (!override) return true;
  return override.indexes.some((entry) => entry.order === order && entry.queryScope === 'COLLECTION');
}

/** Returns why `spec` has no index in `index`, or null when it is served. */
export function uncoveredReason(spec: QuerySpec, index: IndexConfig): string | null {
  const orders = spec.orderBy.filter((order) => order.field !== '__name__');
  const nameOrder = spec.orderBy.find((order) => order.field === '__name__');
  if (spec.range && orders[0]?.field !== spec.range.field) return `range on ${spec.range.field} must be the first orderBy field`;
  if (nameOrder && spec.orderBy[spec.orderBy.length - 1] !== nameOrder) return 'the document ID must be the last orderBy field';

  if (spec.equals.length === 0 && orders.length === 0) return null;

  const lastDirection = orders.length > 0 ? orders[orders.length - 1].direction : 'asc';
  if (nameOrder && nameOrder.direction !== lastDirection) return 'the document ID must be ordered in the direction of the last field';

  if (spec.equals.length + orders.length === 1) {
    const field = spec.equals[0] ?? orders[0].field;
    const order = orders[0] ? toOrder(orders[0].direction) : 'ASCENDING';
    return hasSingleFieldIndex(index, spec.collectionGroup, field, order) ? null : `no single-field ${order} index on ${spec.collectionGroup}.${field}`;
  }

  const wanted = orders.map((order) => `${order.field}:${toOrder(order.direction)}`);
  const served = index.indexes.some((candidate) => {
    if (candidate.collectionGroup !== spec.collectionGroup || candidate.queryScope !== 'COLLECTION') return false;
    const fields = candidate.fields.filter((field) => field.fieldPath !== '__name__');
    if (fields.length !== spec.equals.length + orders.length) return false;
    const prefix = fields.slice(0, spec.equals.length).map((field) => field.fieldPath).sort();
    if (JSON.stringify(prefix) !== JSON.stringify([...spec.equals].sort())) return false;
    const suffix = fields.slice(spec.equals.length).map((field) => `${field.fieldPath}:${field.order}`);
    return JSON.stringify(suffix) === JSON.stringify(wanted);
  });
  return served ? null : `no composite index on ${spec.collectionGroup} (${[...spec.equals, ...wanted].join(', ')})`;
}

describe('firestore.indexes.json', () => {
  test.each(Object.entries(QUERIES))('query %s is indexed', (_name, spec) => {
    expect(uncoveredReason(spec, config)).toBeNull();
  });

  test('checker reports a missing composite index', () => {
    const withoutFeed: IndexConfig = { ...config, indexes: config.indexes.filter((index) => index.collectionGroup !== 'messages') };
    expect(uncoveredReason(QUERIES.activityPage, withoutFeed)).toMatch(/no composite index on messages/);
  });

  test('checker reports an exempted field', () => {
    const exempted: IndexConfig = { ...config, fieldOverrides: [...config.fieldOverrides, { collectionGroup: 'hits', fieldPath: 'at', indexes: [] }] };
    expect(uncoveredReason(QUERIES.recentHits, exempted)).toMatch(/no single-field DESCENDING index on hits.at/);
  });

  test('TTL fields of high-rate documents are not indexed', () => {
    for (const group of ['hits', 'counters', 'selfViews']) {
      const override = config.fieldOverrides.find((entry) => entry.collectionGroup === group && entry.fieldPath === 'expiresAt');
      expect(override?.indexes).toEqual([]);
    }
  });

  test('composite and override entries are well formed', () => {
    for (const index of config.indexes) {
      expect(index.queryScope).toMatch(/^(COLLECTION|COLLECTION_GROUP)$/);
      for (const field of index.fields) expect(field.order ?? field.arrayConfig).toMatch(/^(ASCENDING|DESCENDING|CONTAINS)$/);
    }
    for (const override of config.fieldOverrides) {
      expect(Array.isArray(override.indexes)).toBe(true);
    }
  });
});
