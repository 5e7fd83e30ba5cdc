import { createServer } from 'node:net';
import type { HitView, LabelCounts, MessageSummary } from '../shared/api';
import { pixelHtml } from '../shared/urls';
import { buildAddonForTest, removeBuild } from './support/appsScript/build';
import { cardJson, responseJson, type CardJson } from './support/appsScript/cardService';
import { clickEvent, commonEvent, findButton, hasButton, rows, visibleText, widgets } from './support/appsScript/cards';
import { loadAddon, type LoadedAddon } from './support/appsScript/loadAddon';

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
    const card = cardJson(addon.bundle.buildSummaryCard(summary([gmailOpen]), { timeZone: 'Etc/UTC' }));
    const row = rows(card).find((r) => r.topLabel === 'Open · Recipient');
    expect(row?.bottomLabel).toBe("Gmail · Location hidden by Gmail's image proxy");
  });

  test('names the place and client of a direct open', () => {
    const addon = load();
    const direct = hit({ location: { city: 'London', region: 'ENG', country: 'GB', timeZone: 'Europe/London' }, client: 'Outlook', os: 'Windows' });
    const card = cardJson(addon.bundle.buildSummaryCard(summary([direct]), { timeZone: 'Etc/UTC' }));
    expect(rows(card).some((r) => r.bottomLabel === 'Outlook on Windows · London, ENG, GB')).toBe(true);
  });

  test('lists clicks with their destination', () => {
    const addon = load();
    const click = hit({ id: 'c', kind: 'click', url: 'https://example.com/a?b=1&c=2' });
    const card = cardJson(addon.bundle.buildSummaryCard(summary([click]), { timeZone: 'Etc/UTC' }));
    const row = rows(card).find((r) => r.topLabel === 'Click · Recipient');
    expect(row?.text).toBe('1 Dec 2026, 09:30:05<br>https://example.com/a?b=1&amp;c=2');
    expect(visibleText(card)).toContain('1 Dec 2026, 09:30:05\nhttps://example.com/a?b=1&c=2');
  });

  test('shows the label of hits not counted', () => {
    const addon = load();
    const hits = [hit({ id: 'p', label: 'prefetch', client: null, os: null }), hit({ id: 's', label: 'self' })];
    const card = cardJson(
      addon.bundle.buildSummaryCard(summary(hits, { opens: { ...NO_LABELS, prefetch: 1, self: 1 }, firstOpenAt: null }), { timeZone: 'Etc/UTC' }),
    );
    const text = visibleText(card);
    expect(text).toContain('0 times');
    expect(text).toContain('Not opened yet');
    expect(text).toContain("Not counted as the recipient's: 1 Your own view, 1 Machine prefetch.");
    expect(rows(card).map((r) => r.topLabel)).toEqual(expect.arrayContaining(['Open · Machine prefetch', 'Open · Your own view']));
  });

  test('stays under the widget limit with many hits', () => {
    const addon = load();
    const hits = Array.from({ length: 500 }, (_, i) => hit({ id: `h${i}` }));
    const card = cardJson(addon.bundle.buildSummaryCard(summary(hits, { totalHits: 1234 }), { timeZone: 'Etc/UTC' }));
    expect(widgets(card).length).toBeLessThanOrEqual(100);
    expect(rows(card).filter((r) => r.topLabel === 'Open · Recipient')).toHaveLength(addon.bundle.MAX_LISTED_HITS);
    expect(visibleText(card)).toContain(`Showing the latest ${addon.bundle.MAX_LISTED_HITS} of 1234 opens and clicks.`);
  });

  test('says when there is no activity', () => {
    const addon = load();
    const card = cardJson(addon.bundle.buildSummaryCard(summary([]), { timeZone: 'Etc/UTC' }));
    expect(visibleText(card)).toContain('No opens or clicks yet.');
    expect(card.header?.subtitle).toBe('To dana@example.org');
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
  test('explains the add-on', () => {
    const addon = load();
    const card = cardJson(addon.call('onHomepage', commonEvent({})));
    expect(card.header?.title).toBe('Email tracking');
    expect(visibleText(card).join(' ')).toContain('Track this email');
  });
});
