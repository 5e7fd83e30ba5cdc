import type { HitRecord, SelfView } from '../tracker/store/types';
import { describeReader } from '../tracker/classify/reader';
import { labelMessageHits, labelOnArrival } from '../tracker/classify/labels';
import { truncateIp } from '../tracker/classify/ip';
import { CORPUS, SENT_AT, type CorpusRequest, type CorpusRow } from './fixtures/hits-corpus';

const TOKEN = 'A'.repeat(32);

/** Builds the hit as the tracker stores it: reader facts from the full address, then a truncated address. */
function storedHit(id: string, request: CorpusRequest): HitRecord {
  const reader = describeReader(request.ip, request.userAgent);
  const partial = {
    id,
    token: TOKEN,
    kind: request.kind,
    at: SENT_AT + request.at,
    method: request.method,
    url: request.url ?? null,
    ip: truncateIp(request.ip),
    userAgent: request.userAgent,
    ...reader,
  };
  return { ...partial, label: labelOnArrival(partial) };
}

function finalLabel(row: CorpusRow): string {
  const hit = storedHit('row', row.hit);
  const others = (row.others ?? []).map((request, index) => storedHit(`other-${index}`, request));
  const selfViews: SelfView[] = (row.selfViews ?? []).map((at) => ({ token: TOKEN, at: SENT_AT + at }));
  const sentAt = row.sentAtKnown === false ? null : SENT_AT;

  const changes = labelMessageHits({ sentAt }, selfViews, [...others, hit]);
  return changes.find((change) => change.id === 'row')?.label ?? hit.label;
}

describe('hit corpus', () => {
  test('corpus has at least 60 distinct hits, each with a source', () => {
    const keys = new Set(CORPUS.map((row) => JSON.stringify([row.hit, row.others, row.selfViews, row.sentAtKnown])));
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(keys.size).toBe(CORPUS.length);
    expect(new Set(CORPUS.map((row) => row.id)).size).toBe(CORPUS.length);
    for (const row of CORPUS) expect(row.source.length).toBeGreaterThan(0);
  });

  test.each(CORPUS.map((row) => [row.id, row.title, row] as const))('%s: %s', (_id, _title, row) => {
    const reader = describeReader(row.hit.ip, row.hit.userAgent);
    const { label, country, ...readerFields } = row.expected;

    expect(finalLabel(row)).toBe(label);
    for (const [field, value] of Object.entries(readerFields)) {
      expect({ [field]: reader[field as keyof typeof reader] }).toEqual({ [field]: value });
    }
    if (country !== undefined) expect(reader.location?.country ?? null).toBe(country);
  });
});
