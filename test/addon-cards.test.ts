import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { HitView, LabelCounts, MessageSummary } from '../shared/api';
import { pixelHtml } from '../shared/urls';
import { buildAddonForTest, removeBuild } from './support/addonBuild';
import { cardJson, responseJson, type CardJson } from '../sandbox/cardService';
import { buttons, clickEvent, commonEvent, findButton, hasButton, rows, visibleText, widgets } from '../sandbox/cards';
import { loadAddon, type LoadedAddon } from '../sandbox/loadAddon';

const TOKEN = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const NO_LABELS: LabelCounts = { recipient: 0, self: 0, before_send: 0, prefetch: 0, scanner: 0, duplicate: 0 };

function hit(overrides: Partial<HitView>): HitView {
  return {
    id: 'hit-1',
    at: '2026-12-01T09:30:05.000Z',
    kind: 'open',
    label: 'recipient',
    location: null,
    proxy: null,
    client: 'Chrome',
    os: 'Linux',
    device: 'desktop',
    ...overrides,
  };
}

function summary(hits: HitView[], overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    token: TOKEN,
    subject: null,
    recipients: ['dana@example.org'],
    createdAt: '2026-12-01T09:00:00.000Z',
    sentAt: '2026-12-01T09:01:00.000Z',
    opens: { ...NO_LABELS, recipient: hits.filter((h) => h.kind === 'open').length },
    clicks: { ...NO_LABELS, recipient: hits.filter((h) => h.kind === 'click').length },
    firstOpenAt: hits.find((h) => h.kind === 'open')?.at ?? null,
    lastOpenAt: hits.find((h) => h.kind === 'open')?.at ?? null,
    hits,
    totalHits: hits.length,
    ...overrides,
  };
}

/** Finds a loopback port nothing listens on, by opening and closing a server on a free one. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let baseUrl: string;
let distDir: string;

beforeAll(async () => {
  baseUrl = `http://127.0.0.1:${await closedPort()}/`;
  distDir = buildAddonForTest(baseUrl);
});
afterAll(() => removeBuild(distDir));

function load(identityToken: string | null = 'test-identity-token'): LoadedAddon {
  return loadAddon(distDir, { identityToken });
}

describe('summary card', () => {
  test('shows times in the given time zone', () => {
    const addon = load();
    const card = cardJson(
      addon.bundle.buildSummaryCard(
        summary([hit({ id: 'summer', at: '2026-07-01T09:30:05.000Z' }), hit({ id: 'winter', at: '2026-12-01T09:30:05.000Z' })]),
        { timeZone: 'Europe/Berlin' },
      ),
    );
    const texts = rows(card).map((row) => row.text);
    expect(texts).toContain('1 Jul 2026, 11:30:05');
    expect(texts).toContain('1 Dec 2026, 10:30:05');
    expect(visibleText(card)).toContain('Activity (times in Europe/Berlin)');
  });

  test('same hit in another zone', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildSummaryCard(summary([hit({})]), { timeZone: 'America/New_York' }));
    expect(rows(card).map((row) => row.text)).toContain('1 Dec 2026, 04:30:05');
  });

  test('hides location behind the Gmail proxy', () => {
    const addon = load();
    const gmailOpen = hit({ proxy: 'gmail', client: 'Gmail', os: null, device: null, location: null });
    const card = cardJson(addon.bundle.buildSummaryCard(summary([gmailOpen]), { timeZone: 'Etc/UTC', nowMs: Date.parse('2026-12-01T09:40:05Z') }));
    const row = rows(card).find((r) => r.topLabel === 'Open · 10 minutes ago');
    expect(row?.bottomLabel).toBe("Gmail · Location hidden by Gmail's image proxy");
  });

  test('names the place and client of a direct open', () => {
    const addon = load();
    const direct = hit({ location: { city: 'London', region: 'ENG', country: 'GB', timeZone: 'Europe/London' }, client: 'Outlook', os: 'Windows' });
    const card = cardJson(addon.bundle.buildSummaryCard(summary([direct]), { timeZone: 'Etc/UTC' }));
    expect(rows(card).some((r) => r.bottomLabel === 'Outlook on Windows · London, ENG, GB · computer')).toBe(true);
  });

  test('groups clicks by destination', () => {
    const addon = load();
    const clicks = [
      hit({ id: 'c3', kind: 'click', at: '2026-12-01T11:00:00.000Z', url: 'https://example.com/a?b=1&c=2', client: 'Outlook', os: 'Windows' }),
      hit({ id: 'c2', kind: 'click', at: '2026-12-01T10:00:00.000Z', url: 'https://example.com/other' }),
      hit({ id: 'c1', kind: 'click', at: '2026-12-01T09:45:00.000Z', url: 'https://example.com/a?b=1&c=2' }),
    ];
    const card = cardJson(addon.bundle.buildSummaryCard(summary(clicks), { timeZone: 'Etc/UTC', nowMs: Date.parse('2026-12-01T12:00:00Z') }));
    expect(card.sections.find((section) => section.header === 'Clicks by a recipient (3)')).toBeDefined();
    const clickRows = rows(card).filter((r) => r.topLabel?.startsWith('Click · '));
    expect(clickRows.map((r) => [r.topLabel, r.text, r.bottomLabel])).toEqual([
      ['Click · 2 times · last today 11:00', 'https://example.com/a?b=1&amp;c=2', 'Outlook on Windows · Location unknown · computer'],
      ['Click · once · last today 10:00', 'https://example.com/other', 'Chrome on Linux · Location unknown · computer'],
    ]);
  });

  test('folds own views and machines apart', () => {
    const addon = load();
    const hits = [hit({ id: 'p', label: 'prefetch', client: null, os: null }), hit({ id: 's', label: 'self' })];
    const card = cardJson(
      addon.bundle.buildSummaryCard(summary(hits, { opens: { ...NO_LABELS, prefetch: 1, self: 1 }, firstOpenAt: null }), {
        timeZone: 'Etc/UTC',
        nowMs: Date.parse('2026-12-01T09:31:00Z'),
      }),
    );
    const text = visibleText(card);
    expect(text[2]).toBe('Not opened yet');
    expect(text).toContain('No opens by a recipient yet.');
    const folded = card.sections.find((section) => section.header === 'Not counted: your views and machines (2)');
    expect(folded?.collapsible).toBe(true);
    expect(folded?.uncollapsibleWidgets).toBe(1);
    expect(folded?.widgets[0]).toEqual({ type: 'TextParagraph', text: '1 Your own view, 1 Machine prefetch.' });
    expect(rows(card).map((r) => r.topLabel)).toEqual(['Open · Machine prefetch · just now', 'Open · Your own view · just now']);
  });

  /** Ids of the recipient opens a card lists, read from the client name each test hit carries. */
  function listedOpenIds(card: CardJson): string[] {
    const activity = card.sections.filter((section) => section.header === 'Activity (times in Etc/UTC)');
    return rows({ ...card, sections: activity }).map((row) => /Client (\w+)/.exec(row.bottomLabel ?? '')?.[1] ?? `(no id in "${row.bottomLabel}")`);
  }

  /** Follows "Older opens" from the first page to the last, as the add-on's handler fetches each page. */
  function walkOlderPages(addon: LoadedAddon, fetch: (skip: number) => MessageSummary): CardJson[] {
    const pages = [cardJson(addon.bundle.buildSummaryCard(fetch(0), { timeZone: 'Etc/UTC' }))];
    for (;;) {
      const last = pages[pages.length - 1];
      if (!hasButton(last, 'Older opens')) return pages;
      if (pages.length > 100) throw new Error('"Older opens" still shown after 100 pages');
      const skip = Number(findButton(last, 'Older opens').parameters.skip);
      pages.push(cardJson(addon.bundle.buildSummaryCard(fetch(skip), { timeZone: 'Etc/UTC', skip })));
    }
  }

  test('pages long lists under the widget limit', () => {
    const addon = load();
    // 500 hits one minute apart, every seventh a machine prefetch that the opens list leaves out.
    const hits = Array.from({ length: 500 }, (_, i) =>
      hit({
        id: `h${i}`,
        at: new Date(Date.parse('2026-12-01T09:30:05Z') - i * 60_000).toISOString(),
        client: `Client h${i}`,
        label: i % 7 === 3 ? 'prefetch' : 'recipient',
      }),
    );
    const expected = hits.filter((h) => h.label === 'recipient').map((h) => h.id);
    const counts = { opens: { ...NO_LABELS, recipient: 1234, prefetch: 71 }, totalHits: 1305 };
    // The first page reads the tracker's default 18 hits, later pages the 500 newest.
    const fetch = (skip: number) => summary(skip === 0 ? hits.slice(0, 18) : hits, counts);

    const pages = walkOlderPages(addon, fetch);
    expect(pages.flatMap(listedOpenIds)).toEqual(expected);
    expect(listedOpenIds(pages[0])).toEqual(expected.slice(0, 15));
    for (const page of pages) {
      expect(widgets(page).length).toBeLessThanOrEqual(100);
      expect(listedOpenIds(page).length).toBeLessThanOrEqual(addon.bundle.OPENS_PER_PAGE);
    }
    expect(hasButton(pages[0], 'Newer opens')).toBe(false);
    expect(findButton(pages[0], 'Older opens').parameters).toEqual({ token: TOKEN, skip: '15' });

    const last = pages[pages.length - 1];
    expect(visibleText(last)).toContain(`${1234 - expected.length} older opens are counted above but not listed.`);
    for (const page of pages.slice(0, -1)) expect(visibleText(page).join('\n')).not.toContain('counted above but not listed');

    // "Newer opens" walks back through the same pages to the first one.
    const olderSkips = [0, ...pages.slice(0, -1).map((page) => Number(findButton(page, 'Older opens').parameters.skip))];
    const newerSkips = [olderSkips[olderSkips.length - 1]];
    const newerPages = [last];
    while (hasButton(newerPages[newerPages.length - 1], 'Newer opens')) {
      if (newerPages.length > 100) throw new Error('"Newer opens" still shown after 100 pages');
      const skip = Number(findButton(newerPages[newerPages.length - 1], 'Newer opens').parameters.skip);
      newerSkips.push(skip);
      newerPages.push(cardJson(addon.bundle.buildSummaryCard(fetch(skip), { timeZone: 'Etc/UTC', skip })));
    }
    expect(newerSkips).toEqual([...olderSkips].reverse());
    expect(newerPages.reverse().flatMap(listedOpenIds)).toEqual(expected);
  });

  test('pages all opens when fewer than 500 hits', () => {
    const addon = load();
    const hits = Array.from({ length: 45 }, (_, i) =>
      hit({ id: `h${i}`, at: new Date(Date.parse('2026-12-01T09:30:05Z') - i * 60_000).toISOString(), client: `Client h${i}` }),
    );
    const fetch = (skip: number) => summary(skip === 0 ? hits.slice(0, 18) : hits, { opens: { ...NO_LABELS, recipient: 45 }, totalHits: 45 });

    const pages = walkOlderPages(addon, fetch);
    expect(pages.map(listedOpenIds)).toEqual([
      hits.slice(0, 18).map((h) => h.id),
      hits.slice(18, 38).map((h) => h.id),
      hits.slice(38).map((h) => h.id),
    ]);
    expect(findButton(pages[2], 'Newer opens').parameters).toEqual({ token: TOKEN, skip: '18' });
    expect(visibleText(pages[2]).join('\n')).not.toContain('counted above but not listed');
  });

  test('first page without listed opens pages on', () => {
    const addon = load();
    // The 18 newest hits are the sender's own views; the 3 recipient opens are older.
    const hits = Array.from({ length: 21 }, (_, i) =>
      hit({ id: `h${i}`, at: new Date(Date.parse('2026-12-01T09:30:05Z') - i * 60_000).toISOString(), client: `Client h${i}`, label: i < 18 ? 'self' : 'recipient' }),
    );
    const counts = { opens: { ...NO_LABELS, recipient: 3, self: 18 }, totalHits: 21 };

    const first = cardJson(addon.bundle.buildSummaryCard(summary(hits.slice(0, 18), counts), { timeZone: 'Etc/UTC' }));
    expect(listedOpenIds(first)).toEqual([]);
    expect(visibleText(first)).toContain('No opens by a recipient among the newest hits.');
    expect(findButton(first, 'Older opens').parameters).toEqual({ token: TOKEN, skip: '0' });

    // The handler then reads 500 hits for the first page.
    const full = cardJson(addon.bundle.buildSummaryCard(summary(hits, counts), { timeZone: 'Etc/UTC' }));
    expect(listedOpenIds(full)).toEqual(['h18', 'h19', 'h20']);
    expect(hasButton(full, 'Older opens')).toBe(false);
    expect(visibleText(full).join('\n')).not.toContain('counted above but not listed');
  });

  test('opens beyond 500 hits are counted', () => {
    const addon = load();
    const hits = Array.from({ length: 500 }, (_, i) =>
      hit({ id: `h${i}`, at: new Date(Date.parse('2026-12-01T09:30:05Z') - i * 60_000).toISOString(), label: 'scanner' }),
    );
    const card = cardJson(addon.bundle.buildSummaryCard(summary(hits, { opens: { ...NO_LABELS, recipient: 2, scanner: 500 }, totalHits: 502 }), { timeZone: 'Etc/UTC' }));
    expect(visibleText(card)).toContain('2 older opens are counted above but not listed.');
    expect(hasButton(card, 'Older opens')).toBe(false);
  });

  test('says when nothing was opened', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildSummaryCard(summary([]), { timeZone: 'Etc/UTC' }));
    expect(visibleText(card)).toContain('No opens by a recipient yet.');
    expect(visibleText(card).join('\n')).toContain('plain-text mail apps never load them');
    expect(card.header?.subtitle).toBe('To dana@example.org');
  });
});

describe('headline', () => {
  const sentAt = '2026-03-02T08:00:00.000Z';
  const now = Date.parse('2026-03-03T09:30:00Z');

  test.each([
    [0, null, null, 'Not opened yet'],
    [1, '2026-03-02T08:12:00.000Z', '2026-03-02T08:12:00.000Z', 'Opened once · first 12 minutes after sending'],
    [3, '2026-03-02T08:12:00.000Z', '2026-03-02T17:04:00.000Z', 'Opened 3 times · first 12 minutes after sending · last yesterday 18:04'],
    [2, '2026-03-02T08:00:30.000Z', '2026-03-03T09:20:00.000Z', 'Opened 2 times · first within a minute after sending · last 10 minutes ago'],
    [2, '2026-03-02T11:00:00.000Z', '2026-03-03T07:00:00.000Z', 'Opened 2 times · first 3 hours after sending · last today 08:00'],
  ])('%d opens, first %s, last %s', (opens, first, last, expected) => {
    const addon = load();
    const data = summary([], { sentAt, opens: { ...NO_LABELS, recipient: opens }, firstOpenAt: first, lastOpenAt: last });
    expect(addon.bundle.describeOpens(data, now, 'Europe/Berlin')).toBe(expected);
  });

  test('without a send time names the day', () => {
    const addon = load();
    const data = summary([], { sentAt: null, opens: { ...NO_LABELS, recipient: 1 }, firstOpenAt: '2026-02-26T10:00:00.000Z' });
    expect(addon.bundle.describeOpens(data, now, 'Europe/Berlin')).toBe('Opened once · first Thu 11:00');
  });

  test.each([
    ['2026-03-03T09:29:30.000Z', 'just now'],
    ['2026-03-03T09:31:00.000Z', 'just now'],
    ['2026-03-03T09:29:00.000Z', '1 minute ago'],
    ['2026-03-02T23:30:00.000Z', 'today 00:30'],
    ['2026-03-02T22:59:00.000Z', 'yesterday 23:59'],
    ['2026-02-20T10:00:00.000Z', '20 Feb 11:00'],
    ['2025-12-31T10:00:00.000Z', '31 Dec 2025'],
  ])('time %s reads %s', (iso, expected) => {
    const addon = load();
    expect(addon.bundle.describeWhen(iso, now, 'Europe/Berlin')).toBe(expected);
  });
});

describe('error cards', () => {
  function errorText(addon: LoadedAddon, card: unknown): string {
    const json = cardJson(card);
    expect(hasButton(json, 'Try again')).toBe(true);
    return visibleText(json).join('\n');
  }

  test('not found', () => {
    const addon = load();
    const message = addon.bundle.describeFailure({ kind: 'not-found', message: 'no tracked message' }, baseUrl, 'summary');
    expect(errorText(addon, addon.bundle.buildMessageErrorCard('Cannot show opens and clicks', message))).toContain(
      'The tracker has no record of this message.',
    );
  });

  test('sign-in rejected', () => {
    const addon = load();
    const message = addon.bundle.describeFailure({ kind: 'unauthorized', status: 401, message: 'identity token rejected: expired' }, baseUrl, 'summary');
    expect(message).toContain('HTTP 401: identity token rejected: expired');
    expect(message).toContain('https://myaccount.google.com/permissions');
  });

  test('server failure names the status', () => {
    const addon = load();
    const message = addon.bundle.describeFailure({ kind: 'server', status: 503, message: 'store unavailable' }, baseUrl, 'summary');
    expect(message).toBe('The tracker failed with HTTP 503 (store unavailable). Try again in a minute.');
  });

  test('rate limit names the wait', () => {
    const addon = load();
    const failure = { kind: 'rate-limited' as const, retryAfterSeconds: 42, message: 'rate limit exceeded' };
    expect(addon.bundle.describeFailure(failure, baseUrl, 'summary')).toBe('The tracker received too many requests from you. Try again in 42 seconds.');
    expect(addon.bundle.describeFailure({ ...failure, retryAfterSeconds: 600 }, baseUrl, 'summary')).toContain('Try again in 10 minutes.');
    expect(addon.bundle.describeFailure({ ...failure, retryAfterSeconds: null }, baseUrl, 'summary')).toContain('(rate limit exceeded). Wait a minute');
  });

  test('draft failures say the draft is unchanged', () => {
    const addon = load();
    const message = addon.bundle.describeFailure({ kind: 'unreachable', detail: 'ECONNREFUSED' }, baseUrl, 'track');
    expect(message).toMatch(/could not be reached \(ECONNREFUSED\)\..* Your draft is unchanged\.$/);
  });
});

describe('message-open trigger', () => {
  function openMessage(addon: LoadedAddon, body: string): CardJson {
    const gmail = addon.gmail.addMessage({ id: 'm1', subject: 'Contract', from: 'sam@example.com', to: 'dana@example.org', body, date: new Date() });
    return cardJson(addon.call('onGmailMessageOpen', commonEvent({ gmail, timeZone: 'Europe/Berlin' })));
  }

  test('says when the message has no pixel', () => {
    const addon = load();
    const card = openMessage(addon, '<div>Hello, no tracking here. <img src="https://cdn.example.com/logo.png"></div>');
    expect(card.header?.title).toBe('Not tracked');
    expect(visibleText(card).join(' ')).toContain('carries no tracking pixel of this add-on');
    expect(addon.urlFetch.requests).toHaveLength(0);
  });

  test('pixel of another tracker is not ours', () => {
    const addon = load();
    const card = openMessage(addon, pixelHtml('https://other-tracker.example.com/', TOKEN));
    expect(card.header?.title).toBe('Not tracked');
  });

  test('explains a missing identity token', () => {
    const addon = load(null);
    const card = openMessage(addon, `${pixelHtml(baseUrl, TOKEN)}<div>Hi</div>`);
    const text = visibleText(card).join('\n');
    expect(text).toContain('Google gave the add-on no identity token');
    expect(text).toContain("Remove the add-on's access at https://myaccount.google.com/permissions");
    expect(addon.urlFetch.requests).toHaveLength(0);
  });

  test('explains an unreachable tracker', () => {
    const addon = load();
    const card = openMessage(addon, `${pixelHtml(baseUrl, TOKEN)}<div>Hi</div>`);
    const text = visibleText(card).join('\n');
    expect(text).toContain(`The tracker at ${baseUrl} could not be reached`);
    expect(addon.urlFetch.requests).toHaveLength(1);
    expect(addon.urlFetch.requests[0].url).toBe(`${baseUrl}api/messages/${TOKEN}/summary`);
    expect(addon.urlFetch.requests[0].headers.Authorization).toBe('Bearer test-identity-token');
    expect(addon.urlFetch.requests[0].options.muteHttpExceptions).toBe(true);
  });

  test('refresh redraws the card in place', () => {
    const addon = load();
    const gmail = addon.gmail.addMessage({ id: 'm2', subject: 'S', from: 'a@example.com', to: 'b@example.com', body: '<p>plain</p>', date: new Date() });
    const card = cardJson(addon.call('onGmailMessageOpen', commonEvent({ gmail })));
    expect(card.header?.title).toBe('Not tracked');
    const response = responseJson(addon.call('onRefreshSummary', commonEvent({ gmail })));
    expect(response.type).toBe('ActionResponse');
    if (response.type === 'ActionResponse') expect(response.navigation.updateCard?.header?.title).toBe('Not tracked');
  });
});

describe('compose trigger', () => {
  test('shows recipients and an untracked draft', () => {
    const addon = load();
    const gmail = { accessToken: '', messageId: '', threadId: '', toRecipients: ['dana@example.org'], ccRecipients: ['lee@example.org'] };
    const card = cardJson(addon.call('onGmailCompose', commonEvent({ gmail })));
    expect(card.header?.subtitle).toBe('This email is not tracked');
    expect(rows(card).find((r) => r.topLabel === 'To')?.text).toBe('dana@example.org, lee@example.org');
    const track = findButton(card, 'Track this email');
    expect(track.functionName).toBe('onTrackEmail');
    expect(JSON.parse(track.parameters.recipients)).toEqual(['dana@example.org', 'lee@example.org']);
    expect(track.parameters.draftKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(findButton(card, 'Insert tracked link').parameters.draftKey).toBe(track.parameters.draftKey);
  });

  test('reads recipients from legacy draft metadata', () => {
    const addon = load();
    const event = { ...commonEvent({}), draftMetadata: { toRecipients: ['old@example.org'] } };
    const card = cardJson(addon.call('onGmailCompose', event));
    expect(rows(card).find((r) => r.topLabel === 'To')?.text).toBe('old@example.org');
  });

  test('tracked draft carries its token', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildComposeCard({ draftKey: 'k1', recipients: [], token: TOKEN }));
    expect(card.header?.subtitle).toBe('This email is tracked');
    expect(hasButton(card, 'Track this email')).toBe(false);
    expect(findButton(card, 'Insert tracked link').parameters).toEqual({ draftKey: 'k1', recipients: '[]', token: TOKEN });
    expect(rows(card).find((r) => r.topLabel === 'To')?.text).toBe('No recipients yet');
  });

  test('track without identity token explains re-authorising', () => {
    const addon = load(null);
    const card = cardJson(addon.call('onGmailCompose', commonEvent({})));
    const response = responseJson(addon.call('onTrackEmail', clickEvent(findButton(card, 'Track this email'), {})));
    if (response.type !== 'ActionResponse') throw new Error(`expected the card redrawn, got ${response.type}`);
    const text = visibleText(response.navigation.updateCard as CardJson).join('\n');
    expect(text).toContain('https://myaccount.google.com/permissions');
    expect(addon.urlFetch.requests).toHaveLength(0);
  });

  test.each([
    ['', 'Contract', 'Enter the link address, for example https://example.com/page.'],
    ['example.com/page', 'Contract', 'The link address "example.com/page" is not a full web address.'],
    ['javascript:alert(1)', 'x', 'The link address "javascript:alert(1)" is not a full web address.'],
    ['https://exa mple.com/', 'x', 'The link address "https://exa mple.com/" contains spaces or control characters.'],
    ['https:///example.com', 'x', 'The link address "https:///example.com" is not a full web address.'],
    ['https://example.com/page', '  ', 'Enter the link text for https://example.com/page'],
  ])('rejects link %j with text %j', (url, text, message) => {
    const addon = load();
    const card = cardJson(addon.call('onGmailCompose', commonEvent({})));
    const action = findButton(card, 'Insert tracked link');
    const response = responseJson(addon.call('onInsertTrackedLink', clickEvent(action, {}, { linkUrl: url, linkText: text })));
    if (response.type !== 'ActionResponse') throw new Error(`expected the card redrawn, got ${response.type}`);
    const redrawn = response.navigation.updateCard as CardJson;
    expect(visibleText(redrawn).join('\n')).toContain(message);
    // The sender's input stays in the form.
    const inputs = widgets(redrawn).flatMap((w) => (w.type === 'TextInput' ? [w.value] : []));
    expect(inputs).toEqual([url, text]);
    expect(addon.urlFetch.requests).toHaveLength(0);
  });

  test('link before tracking asks to track first', () => {
    const addon = load();
    const card = cardJson(addon.call('onGmailCompose', commonEvent({})));
    const action = findButton(card, 'Insert tracked link');
    const response = responseJson(
      addon.call('onInsertTrackedLink', clickEvent(action, {}, { linkUrl: 'https://example.com/', linkText: 'Example' })),
    );
    if (response.type !== 'ActionResponse') throw new Error(`expected the card redrawn, got ${response.type}`);
    expect(visibleText(response.navigation.updateCard as CardJson).join('\n')).toContain('This email is not tracked yet.');
    expect(addon.urlFetch.requests).toHaveLength(0);
  });
});

describe('homepage', () => {
  test('says when the tracker is unreachable', () => {
    const addon = load();
    const card = cardJson(addon.call('onHomepage', commonEvent({})));
    expect(card.header?.title).toBe('Email tracking');
    expect(visibleText(card).join(' ')).toContain(`The tracker at ${baseUrl} could not be reached`);
    expect(hasButton(card, 'Try again')).toBe(true);
    expect(hasButton(card, 'New tracked email')).toBe(true);
  });

  test('first page without emails explains how to start', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildHomepageCard({ activity: { items: [], next: null }, timeZone: 'Etc/UTC', nowMs: 0 }));
    expect(visibleText(card).join(' ')).toContain('No tracked emails yet.');
    expect(hasButton(card, 'Older')).toBe(false);
  });
});

describe('identity', () => {
  test('reads the email claim', () => {
    const addon = load();
    const payload = Buffer.from(JSON.stringify({ email: 'sam@example.com', sub: '1' })).toString('base64url');
    expect(addon.bundle.emailFromIdentityToken(`h.${payload}.s`)).toBe('sam@example.com');
    expect(addon.bundle.emailFromIdentityToken('not-a-token')).toBeNull();
    expect(addon.bundle.emailFromIdentityToken(null)).toBeNull();
  });

  test.each([
    ['Sam Lee <Sam@Example.com>', 'sam@example.com', true],
    ['sam@example.com', 'SAM@example.com', true],
    ['"Lee, Sam" <sam@example.com>', 'sam@example.com', true],
    ['Dana <dana@example.org>', 'sam@example.com', false],
    ['sam@example.com', null, false],
  ])('from %s is sent by %s: %s', (from, user, expected) => {
    expect(load().bundle.isSentBy(from, user)).toBe(expected);
  });

  test('quoted pixels are told apart', () => {
    const addon = load();
    const other = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const reply = `<div>Thanks</div><div class="gmail_quote"><blockquote>${pixelHtml(baseUrl, TOKEN)}</blockquote></div>`;
    expect(addon.bundle.locateTokens(reply, baseUrl)).toEqual({ own: null, quoted: [TOKEN] });
    const tracked = `${pixelHtml(baseUrl, other)}<div>Again</div><div class="gmail_quote">${pixelHtml(baseUrl, TOKEN)}</div>`;
    expect(addon.bundle.locateTokens(tracked, baseUrl)).toEqual({ own: other, quoted: [TOKEN] });
  });
});

describe('snippet input', () => {
  test.each([
    ['', '<b>x</b>', 'Enter a name for the snippet'],
    ['Prices', '  ', 'Enter the text of the snippet "Prices".'],
    ['x'.repeat(41), 'y', 'The snippet name has 41 characters; use at most 40'],
    ['Big', 'é'.repeat(4001), 'The snippet "Big" has 8002 bytes'],
    ['prices', 'y', 'A snippet named "prices" exists already.'],
  ])('rejects name %j', (name, html, message) => {
    const existing = [{ id: '1', name: 'Prices', html: 'p' }];
    const result = load().bundle.checkSnippetInput(name, html, existing);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  test('rejects an eleventh snippet', () => {
    const existing = Array.from({ length: 10 }, (_, i) => ({ id: String(i), name: `S${i}`, html: 'x' }));
    const result = load().bundle.checkSnippetInput('New', 'x', existing);
    expect(result).toEqual({ ok: false, error: 'You have 10 snippets, the most the compose panel shows. Delete one before saving another.' });
  });
});

/*
 * The main cards, kept as JSON under test/fixtures/cards/ so a reviewer reads
 * what the sender sees. A card that changes fails here until its fixture is
 * rewritten on purpose: run `UPDATE_CARD_FIXTURES=1 npx jest test/addon-cards`
 * and review the diff of test/fixtures/cards/.
 */
describe('card fixtures', () => {
  const FIXTURE_DIR = join(__dirname, 'fixtures/cards');
  const NOW = Date.parse('2026-03-03T09:30:00Z');

  function expectFixture(name: string, card: unknown): void {
    const json = `${JSON.stringify(cardJson(card), null, 2)}\n`;
    const path = join(FIXTURE_DIR, `${name}.json`);
    if (process.env.UPDATE_CARD_FIXTURES === '1') {
      mkdirSync(FIXTURE_DIR, { recursive: true });
      writeFileSync(path, json);
      return;
    }
    if (!existsSync(path)) throw new Error(`no fixture ${path}; create it with UPDATE_CARD_FIXTURES=1`);
    expect(json).toBe(readFileSync(path, 'utf8'));
  }

  const tracked: MessageSummary = summary(
    [
      hit({ id: 'h7', at: '2026-03-03T09:29:58.000Z', label: 'self', client: 'Chrome', os: 'Mac OS' }),
      hit({ id: 'h6', at: '2026-03-02T17:04:00.000Z', client: 'Outlook', os: 'Windows', location: { city: 'Munich', region: 'BY', country: 'DE', timeZone: 'Europe/Berlin' } }),
      hit({ id: 'h5', at: '2026-03-02T11:40:00.000Z', client: 'Gmail', os: null, device: null, proxy: 'gmail' }),
      hit({ id: 'h4', at: '2026-03-02T08:13:10.000Z', kind: 'click', url: 'https://example.com/contract.pdf' }),
      hit({ id: 'h3', at: '2026-03-02T08:12:00.000Z', client: 'Apple Mail', os: 'iOS', device: 'mobile' }),
      hit({ id: 'h2', at: '2026-03-02T08:01:00.000Z', label: 'prefetch', client: null, os: null, device: null, proxy: 'apple' }),
      hit({ id: 'h1', at: '2026-03-02T07:59:30.000Z', label: 'before_send', client: 'Chrome', os: 'Mac OS' }),
    ],
    {
      subject: 'Contract for March',
      sentAt: '2026-03-02T08:00:00.000Z',
      opens: { ...NO_LABELS, recipient: 3, self: 1, prefetch: 1, before_send: 1 },
      clicks: { ...NO_LABELS, recipient: 1 },
      firstOpenAt: '2026-03-02T08:12:00.000Z',
      lastOpenAt: '2026-03-02T17:04:00.000Z',
      totalHits: 7,
    },
  );

  test('message card of a tracked email', () => {
    const addon = load();
    expectFixture('message-tracked', addon.bundle.buildSummaryCard(tracked, { timeZone: 'Europe/Berlin', nowMs: NOW, canReply: true }));
  });

  test('message card before any open', () => {
    const addon = load();
    expectFixture('message-not-opened', addon.bundle.buildSummaryCard(summary([]), { timeZone: 'Europe/Berlin', nowMs: NOW, canReply: true }));
  });

  test('message card of a quoting reply', () => {
    const addon = load();
    expectFixture('message-quoted', addon.bundle.buildSummaryCard(tracked, { timeZone: 'Europe/Berlin', nowMs: NOW, relation: 'quoted', canReply: true }));
  });

  test('message card without pixel', () => {
    expectFixture('message-no-pixel', load().bundle.buildNoPixelCard());
  });

  test('compose card untracked with snippets', () => {
    const addon = load();
    const snippets = [
      { id: 's1', name: 'Price list' },
      { id: 's2', name: 'Booking link' },
      { id: 's3', name: 'Signature' },
    ];
    expectFixture('compose-untracked', addon.bundle.buildComposeCard({ draftKey: 'k1', recipients: ['dana@example.org'], token: null, snippets }));
  });

  test('compose card warning about a second pixel', () => {
    const addon = load();
    expectFixture(
      'compose-pixel-warning',
      addon.bundle.buildComposeCard({
        draftKey: 'k1',
        recipients: ['dana@example.org'],
        token: TOKEN,
        pixelWarning: true,
        notice: 'This email is already tracked; its tracking image is at the start of the body.',
      }),
    );
  });

  test('compose card with link tracking off', () => {
    const addon = load();
    expectFixture('compose-links-off', addon.bundle.buildComposeCard({ draftKey: 'k1', recipients: [], token: null, trackLinks: false }));
  });

  test('homepage with activity', () => {
    const addon = load();
    const items = [
      { token: TOKEN, subject: 'Contract for March', recipients: ['dana@example.org'], sentAt: '2026-03-02T08:00:00.000Z', lastActivityAt: '2026-03-03T09:10:00.000Z', recipientOpens: 3, recipientClicks: 1 },
      { token: 'B'.repeat(32), subject: null, recipients: ['lee@example.org', 'kim@example.org'], sentAt: null, lastActivityAt: '2026-03-02T16:00:00.000Z', recipientOpens: 0, recipientClicks: 0 },
    ];
    expectFixture('homepage', addon.bundle.buildHomepageCard({ activity: { items, next: 'cursor-2' }, timeZone: 'Europe/Berlin', nowMs: NOW }));
  });

  test('settings with snippets', () => {
    const addon = load();
    const snippets = [{ id: 's1', name: 'Price list', html: '<p>Our <a href="https://example.com/prices">price list</a> for 2026.</p>' }];
    expectFixture('settings', addon.bundle.buildSettingsCard({ settings: { trackLinks: true }, snippets, trackerBaseUrl: 'https://t.example.com/' }));
  });

  test('delete confirmation', () => {
    expectFixture('settings-delete-confirm', load().bundle.buildDeleteConfirmCard('https://t.example.com/'));
  });

  test('fixtures list every button with a known handler', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildSummaryCard(tracked, { timeZone: 'Europe/Berlin', nowMs: NOW, canReply: true }));
    expect(buttons(card).map((b) => [b.text, b.onClick?.functionName ?? b.compose?.action.functionName])).toEqual([
      ['Refresh', 'onRefreshSummary'],
      ['Reply with tracking', 'onReplyWithTracking'],
    ]);
  });
});
