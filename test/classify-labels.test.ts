import { isbot } from 'isbot';
import type { HitRecord } from '../tracker/store/types';
import {
  ARRIVAL_RULES,
  DUPLICATE_WINDOW_MS,
  SCANNER_BURST_WINDOW_MS,
  labelMessageHits,
  labelOnArrival,
  matchArrivalRule,
} from '../tracker/classify/labels';
import { UA } from './fixtures/hits-corpus';

const TOKEN = 'B'.repeat(32);
const SENT = Date.UTC(2026, 1, 1, 12, 0, 0);

function hit(id: string, fields: Partial<HitRecord>): HitRecord {
  return {
    id,
    token: TOKEN,
    kind: 'open',
    at: SENT + 60_000,
    method: 'GET',
    url: null,
    ip: '81.2.69.0',
    userAgent: UA.chromeLinux,
    location: null,
    proxy: null,
    client: 'Chrome',
    os: 'Linux',
    device: 'desktop',
    label: 'recipient',
    ...fields,
  };
}

describe('isbot 5 on mail proxies', () => {
  // These are why mail proxies and clients are recognised before isbot runs.
  test.each([
    ['Gmail image proxy', UA.gmailProxy],
    ['Yahoo image proxy', UA.yahooProxy],
    ['Apple MPP bare agent', UA.appleMpp],
    ['headless Chrome', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36'],
  ])('isbot flags %s', (_name, agent) => {
    expect(isbot(agent)).toBe(true);
  });

  test('isbot misses the Gmail prefetch signature', () => {
    expect(isbot(UA.gmailPrefetch)).toBe(false);
  });

  test.each([
    ['Gmail image proxy', UA.gmailProxy, 'gmail-image-proxy', 'recipient'],
    ['Yahoo image proxy', UA.yahooProxy, 'yahoo-image-proxy', 'recipient'],
    ['Apple MPP bare agent', UA.appleMpp, 'apple-mail-privacy-protection', 'prefetch'],
    ['Gmail prefetch', UA.gmailPrefetch, 'gmail-prefetch', 'prefetch'],
  ])('%s is decided before isbot', (_name, agent, ruleName, label) => {
    const arriving = hit('x', { userAgent: agent, client: null });
    expect(matchArrivalRule(arriving)?.name).toBe(ruleName);
    expect(labelOnArrival(arriving)).toBe(label);
  });

  test('rule order puts every mail rule before isbot', () => {
    const names = ARRIVAL_RULES.map((rule) => rule.name);
    const isbotIndex = names.indexOf('isbot');
    for (const name of ['gmail-image-proxy', 'yahoo-image-proxy', 'apple-mail-privacy-protection', 'gmail-prefetch', 'mail-client', 'headless-browser']) {
      expect(names.indexOf(name)).toBeLessThan(isbotIndex);
    }
  });
});

describe('labelMessageHits', () => {
  const hits = [
    hit('a', { at: SENT - 10_000 }),
    hit('b', { at: SENT + 3_600_000 }),
    hit('c', { at: SENT + 3_600_000 + DUPLICATE_WINDOW_MS - 1 }),
    hit('d', { kind: 'click', url: 'https://example.com/1', at: SENT + 7_200_000 }),
    hit('e', { kind: 'click', url: 'https://example.com/2', at: SENT + 7_200_000 + 300 }),
    hit('f', { kind: 'click', url: 'https://example.com/3', at: SENT + 7_200_000 + SCANNER_BURST_WINDOW_MS }),
  ];

  test('returns only changed hits', () => {
    const changes = labelMessageHits({ sentAt: SENT }, [], hits);
    expect(changes).toEqual([
      { id: 'a', label: 'before_send' },
      { id: 'c', label: 'duplicate' },
      { id: 'd', label: 'scanner' },
      { id: 'e', label: 'scanner' },
      { id: 'f', label: 'scanner' },
    ]);
  });

  test('same result in any input order', () => {
    const expected = labelMessageHits({ sentAt: SENT }, [], hits);
    const reversed = labelMessageHits({ sentAt: SENT }, [], [...hits].reverse());
    const shuffled = labelMessageHits({ sentAt: SENT }, [], [hits[3], hits[0], hits[5], hits[1], hits[4], hits[2]]);
    expect(reversed).toEqual(expected);
    expect(shuffled).toEqual(expected);
  });

  test('relabel is idempotent', () => {
    const once = labelMessageHits({ sentAt: SENT }, [], hits);
    const applied = hits.map((h) => ({ ...h, label: once.find((c) => c.id === h.id)?.label ?? h.label }));
    expect(labelMessageHits({ sentAt: SENT }, [], applied)).toEqual([]);
  });

  test('unknown send time restores recipient', () => {
    const labelled = hits.map((h) => (h.id === 'b' ? { ...h, label: 'before_send' as const } : h));
    const changes = labelMessageHits({ sentAt: null }, [], labelled);
    expect(changes).toContainEqual({ id: 'b', label: 'recipient' });
  });

  test('duplicates measured from the last kept open', () => {
    const series = [0, 4_000, 8_000, 12_000].map((offset, index) => hit(`y${index}`, { at: SENT + 600_000 + offset }));
    const changes = labelMessageHits({ sentAt: SENT }, [], series);
    expect(changes).toEqual([
      { id: 'y1', label: 'duplicate' },
      { id: 'y2', label: 'duplicate' },
    ]);
  });

  test('empty input gives no changes', () => {
    expect(labelMessageHits({ sentAt: SENT }, [], [])).toEqual([]);
  });
});
