import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityResponse, MessageSummary } from '../shared/api';
import { findPixelTokens, pixelHtml } from '../shared/urls';
import { buildAddonForTest, removeBuild } from './support/addonBuild';
import { cardJson, responseJson, type CardJson, type DraftBodyUpdateJson, type ResponseJson, type SectionJson } from '../sandbox/cardService';
import { buttons, clickEvent, commonEvent, findButton, hasButton, rows, visibleText, widgets } from '../sandbox/cards';
import { freePort, startClockedTracker, type ClockedTracker } from './support/clockedTracker';
import { loadAddon, type LoadedAddon } from '../sandbox/loadAddon';

/*
 * Every card and action of the add-on, run from the built bundle in a vm context
 * against a tracker in a child process. The tracker's clock and the add-on's clock
 * are the same settable value, so a test moves to "the next morning" instead of
 * waiting, and the times on the cards are exact. Hits are pixel and link requests
 * made with the user agents and addresses of the clients they stand for.
 */

jest.setTimeout(120_000);

const SENDER = 'sam@example.com';
const OTHER_SENDER = 'kim@example.net';
const RECIPIENT = 'dana@example.org';
const TIME_ZONE = 'Europe/Berlin';
/** Monday 2 March 2026, 09:00 in Berlin: the tracked email is sent then. */
const SENT_AT = Date.parse('2026-03-02T08:00:00Z');
const MINUTE = 60_000;

const AGENTS = {
  senderChrome: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  recipientChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  appleMailIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  applePrivacyProtection: 'Mozilla/5.0',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  slackbot: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  outlook: 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; Win64; x64; Trident/7.0; Microsoft Outlook 16.0.17328; ms-office; MSOffice 16)',
};
const SNIPPET_HTML = '<p>See our <a href="https://example.com/prices">price list</a> or <a href="mailto:sales@example.com">write to sales</a>.</p>';

function redrawn(result: unknown): { card: CardJson; notification?: string } {
  const response = responseJson(result);
  if (response.type !== 'ActionResponse' || !response.navigation.updateCard) throw new Error(`expected the card redrawn, got ${describeResponse(response)}`);
  return { card: response.navigation.updateCard, notification: response.notification };
}

function pushed(result: unknown): CardJson {
  const response = responseJson(result);
  if (response.type !== 'ActionResponse' || !response.navigation.pushCard) throw new Error(`expected a pushed card, got ${describeResponse(response)}`);
  return response.navigation.pushCard;
}

function draftUpdate(result: unknown): DraftBodyUpdateJson {
  const response = responseJson(result);
  if (response.type !== 'UpdateDraftActionResponse') throw new Error(`expected a draft update, got ${describeResponse(response)}`);
  return response.body;
}

function universalCard(result: unknown): CardJson {
  const response = responseJson(result);
  if (response.type !== 'UniversalActionResponse') throw new Error(`expected a universal action response, got ${describeResponse(response)}`);
  expect(response.cards).toHaveLength(1);
  return response.cards[0];
}

function describeResponse(response: ResponseJson): string {
  if (response.type === 'ActionResponse') {
    const card = response.navigation.updateCard ?? response.navigation.pushCard;
    return `ActionResponse ${card ? visibleText(card).join(' | ') : JSON.stringify(response.navigation)}`;
  }
  return response.type;
}

function sectionOf(card: CardJson, header: string) {
  const section = card.sections.find((candidate) => candidate.header === header);
  if (!section) throw new Error(`no section "${header}"; sections: ${card.sections.map((s) => s.header ?? '(none)').join(', ')}`);
  return section;
}

function sectionRows(section: SectionJson) {
  return rows({ type: 'Card', sections: [section] });
}

function openRows(card: CardJson) {
  return sectionRows(sectionOf(card, `Activity (times in ${TIME_ZONE})`));
}

describe('add-on against a running tracker', () => {
  let workDir: string;
  let tracker: ClockedTracker;
  let distDir: string;
  let sender: LoadedAddon;
  let now = SENT_AT - 10 * MINUTE;

  async function setNow(ms: number): Promise<void> {
    now = ms;
    await tracker.setNow(ms);
  }

  async function loadPixel(token: string, agent: string, address: string): Promise<void> {
    const response = await fetch(`${tracker.base}o/${token}.gif`, { headers: { 'User-Agent': agent, 'X-Forwarded-For': address } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    await response.arrayBuffer();
  }

  async function apiGet<T>(path: string, email = SENDER): Promise<T> {
    const response = await fetch(`${tracker.base}${path}`, { headers: { Authorization: `Bearer ${tracker.identityToken(email)}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  async function createMessage(email: string): Promise<string> {
    const response = await fetch(`${tracker.base}api/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tracker.identityToken(email)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipients: [RECIPIENT] }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { token: string }).token;
  }

  /** Relabelling after a hit runs after its response; polls the summary until `done` holds, for at most 5 s. */
  async function summaryWhen(token: string, done: (summary: MessageSummary) => boolean): Promise<MessageSummary> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const summary = await apiGet<MessageSummary>(`api/messages/${token}/summary`);
      if (done(summary)) return summary;
      if (Date.now() > deadline) throw new Error(`summary of ${token} did not settle: ${JSON.stringify(summary.opens)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function requestsSince(addon: LoadedAddon, start: number): Array<{ method: string; path: string; body: unknown; status: number | null }> {
    return addon.urlFetch.requests.slice(start).map((request) => ({
      method: request.method,
      path: request.url.slice(tracker.base.length),
      body: request.body === null ? null : JSON.parse(request.body),
      status: request.status,
    }));
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'e2e-addon-'));
    tracker = await startClockedTracker(workDir, now);
    distDir = buildAddonForTest(tracker.base);
    sender = loadAddon(distDir, { identityToken: tracker.identityToken(SENDER), userEmail: SENDER, now: () => now });
  });

  afterAll(async () => {
    await tracker?.stop();
    if (distDir) removeBuild(distDir);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  let token: string;
  let composeCard: CardJson;
  let pixel: string;
  let linkHtml: string;
  let snippetHtml: string;

  describe('settings and compose', () => {
    test('settings saves a snippet', () => {
      const settings = universalCard(sender.call('onSettings', commonEvent({ timeZone: TIME_ZONE })));
      expect(settings.header?.title).toBe('Settings');
      expect(rows(settings).find((row) => row.topLabel === 'Opens and clicks are recorded by')?.text).toBe(tracker.base);

      const saved = redrawn(
        sender.call('onSaveSnippet', clickEvent(findButton(settings, 'Save snippet'), {}, { snippetName: 'Price list', snippetHtml: SNIPPET_HTML })),
      );
      expect(saved.notification).toBe('Saved the snippet "Price list". It appears in the compose panel.');
      const row = rows(saved.card).find((candidate) => candidate.topLabel === 'Price list');
      expect(row?.text).toBe('See our price list or write to sales .');
      expect(row?.button?.text).toBe('Delete');
    });

    test('duplicate snippet name is rejected', () => {
      const settings = universalCard(sender.call('onSettings', commonEvent({})));
      const result = redrawn(sender.call('onSaveSnippet', clickEvent(findButton(settings, 'Save snippet'), {}, { snippetName: 'price list', snippetHtml: 'x' })));
      expect(visibleText(result.card).join('\n')).toContain('A snippet named "price list" exists already.');
      expect(widgets(result.card).flatMap((w) => (w.type === 'TextInput' ? [w.value] : []))).toEqual(['price list', 'x']);
    });

    test('compose card names recipients and snippets', () => {
      const gmail = { accessToken: '', messageId: '', threadId: '', toRecipients: [RECIPIENT], ccRecipients: ['lee@example.org'] };
      composeCard = cardJson(sender.call('onGmailCompose', commonEvent({ gmail, timeZone: TIME_ZONE })));

      expect(composeCard.header?.subtitle).toBe('This email is not tracked');
      expect(rows(composeCard).find((row) => row.topLabel === 'To')?.text).toBe(`${RECIPIENT}, lee@example.org`);
      expect(sectionOf(composeCard, 'Tracked snippets')).toBeDefined();
      expect(hasButton(composeCard, 'Price list')).toBe(true);
      expect(sender.urlFetch.requests).toHaveLength(0);
    });

    test('track inserts the pixel at the start', () => {
      const update = draftUpdate(sender.call('onTrackEmail', clickEvent(findButton(composeCard, 'Track this email'), { timeZone: TIME_ZONE })));

      expect(update.updateType).toBe('INSERT_AT_START');
      expect(update.contents[0].contentType).toBe('IMMUTABLE_HTML');
      [token] = findPixelTokens(update.contents[0].content, tracker.base);
      pixel = update.contents[0].content;
      expect(pixel).toBe(pixelHtml(tracker.base, token));
      expect(requestsSince(sender, 0)).toEqual([{ method: 'POST', path: 'api/messages', body: { recipients: [RECIPIENT, 'lee@example.org'] }, status: 201 }]);
    });

    test('tracking again warns and can insert again', () => {
      const before = sender.urlFetch.requests.length;
      const warning = redrawn(sender.call('onTrackEmail', clickEvent(findButton(composeCard, 'Track this email'), {}))).card;
      expect(visibleText(warning)).toContain('This email is already tracked; its tracking image is at the start of the body.');
      expect(warning.header?.subtitle).toBe('This email is tracked');

      const again = draftUpdate(sender.call('onInsertPixelAgain', clickEvent(findButton(warning, 'Insert the tracking image again'), {})));
      expect(again).toEqual({ contents: [{ content: pixel, contentType: 'IMMUTABLE_HTML' }], updateType: 'INSERT_AT_START' });
      expect(sender.urlFetch.requests.length).toBe(before);
    });

    test('invalid link leaves the draft', () => {
      const before = sender.urlFetch.requests.length;
      const card = redrawn(
        sender.call('onInsertTrackedLink', clickEvent(findButton(composeCard, 'Insert tracked link'), {}, { linkUrl: 'example.com/contract', linkText: 'contract' })),
      ).card;
      expect(visibleText(card).join('\n')).toContain('The link address "example.com/contract" is not a full web address.');
      expect(sender.urlFetch.requests.length).toBe(before);
    });

    test('tracked link replaces the selection', () => {
      const update = draftUpdate(
        sender.call(
          'onInsertTrackedLink',
          clickEvent(findButton(composeCard, 'Insert tracked link'), {}, { linkUrl: 'https://example.com/contract.pdf', linkText: 'the contract' }),
        ),
      );
      expect(update.updateType).toBe('IN_PLACE_INSERT');
      expect(update.contents[0].contentType).toBe('MUTABLE_HTML');
      linkHtml = update.contents[0].content;
      expect(linkHtml).toMatch(new RegExp(`^<a href="${tracker.base}l/${token}/[\\w-]+/[\\w-]+">the contract</a>$`));
    });

    test('snippet goes in with tracked links', () => {
      const start = sender.urlFetch.requests.length;
      const update = draftUpdate(sender.call('onInsertSnippet', clickEvent(findButton(composeCard, 'Price list'), {})));
      expect(update.updateType).toBe('IN_PLACE_INSERT');
      snippetHtml = update.contents[0].content;
      expect(snippetHtml).toContain(`href="${tracker.base}l/${token}/`);
      expect(snippetHtml).toContain('href="mailto:sales@example.com"');
      expect(snippetHtml).not.toContain('/o/');
      expect(requestsSince(sender, start)).toEqual([
        { method: 'POST', path: 'api/rewrite', body: { token, html: SNIPPET_HTML, insertPixel: false }, status: 200 },
      ]);
    });

    test('link tracking off inserts plain links', () => {
      const settings = universalCard(sender.call('onSettings', commonEvent({})));
      const off = redrawn(sender.call('onSaveSettings', clickEvent(findButton(settings, 'Save'), {}, { trackLinks: [] })));
      expect(off.notification).toBe('Saved: links and snippets you insert are not tracked.');

      const card = cardJson(sender.call('onGmailCompose', commonEvent({})));
      expect(hasButton(card, 'Insert tracked link')).toBe(false);
      const start = sender.urlFetch.requests.length;
      const link = draftUpdate(
        sender.call('onInsertTrackedLink', clickEvent(findButton(card, 'Insert link'), {}, { linkUrl: 'https://example.com/a?b=1&c=2', linkText: 'A & B' })),
      );
      expect(link.contents[0].content).toBe('<a href="https://example.com/a?b=1&amp;c=2">A &amp; B</a>');
      const snippet = draftUpdate(sender.call('onInsertSnippet', clickEvent(findButton(card, 'Price list'), {})));
      expect(snippet.contents[0].content).toBe(SNIPPET_HTML);
      expect(sender.urlFetch.requests.length).toBe(start);

      const on = redrawn(sender.call('onSaveSettings', clickEvent(findButton(settings, 'Save'), {}, { trackLinks: ['on'] })));
      expect(on.notification).toBe('Saved: links and snippets you insert are tracked.');
    });
  });

  describe('message panel', () => {
    let sentBody: string;
    let sentEvent: { messageId: string; threadId: string; accessToken: string };
    let firstCard: CardJson;

    test('recipients and machines load the sent email', async () => {
      sentBody = `${pixel}<div>Hi Dana, here is ${linkHtml}.</div>${snippetHtml}`;
      sentEvent = sender.gmail.addMessage({ id: 'sent', subject: 'Contract for March', from: `Sam Lee <${SENDER}>`, to: RECIPIENT, body: sentBody, date: new Date(SENT_AT) });

      // The compose window shows the inserted image before sending.
      await setNow(SENT_AT - 30_000);
      await loadPixel(token, AGENTS.senderChrome, '198.51.100.20');
      await setNow(SENT_AT + 1 * MINUTE);
      await loadPixel(token, AGENTS.applePrivacyProtection, '17.58.0.1');
      await setNow(SENT_AT + 12 * MINUTE);
      await loadPixel(token, AGENTS.appleMailIphone, '198.51.100.7');
      await setNow(SENT_AT + 13 * MINUTE);
      const href = /href="([^"]+)"/.exec(linkHtml)?.[1] ?? '';
      const click = await fetch(href, { redirect: 'manual', headers: { 'User-Agent': AGENTS.appleMailIphone, 'X-Forwarded-For': '198.51.100.7' } });
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toBe('https://example.com/contract.pdf');
      await setNow(Date.parse('2026-03-02T11:40:00Z'));
      await loadPixel(token, AGENTS.gmailProxy, '66.249.93.17');
      await setNow(Date.parse('2026-03-02T17:04:00Z'));
      await loadPixel(token, AGENTS.outlook, '192.0.2.44');
    });

    test('sender opens the sent email next morning', async () => {
      await setNow(Date.parse('2026-03-03T09:30:00Z'));
      const start = sender.urlFetch.requests.length;
      firstCard = cardJson(sender.call('onGmailMessageOpen', commonEvent({ gmail: sentEvent, timeZone: TIME_ZONE })));

      expect(requestsSince(sender, start)).toEqual([
        { method: 'POST', path: `api/messages/${token}/facts`, body: { sentAt: '2026-03-02T08:00:00.000Z', subject: 'Contract for March' }, status: 200 },
        { method: 'POST', path: `api/messages/${token}/self-views`, body: { at: '2026-03-03T09:30:00.000Z' }, status: 200 },
      ]);
      expect(firstCard.header).toEqual({ title: 'Opens and clicks', subtitle: 'Contract for March' });
      expect(visibleText(firstCard)[2]).toBe('Opened 3 times · first 12 minutes after sending · last yesterday 18:04');
      expect(openRows(firstCard).map((row) => [row.topLabel, row.text])).toEqual([
        ['Open · yesterday 18:04', '2 Mar 2026, 18:04:00'],
        ['Open · yesterday 12:40', '2 Mar 2026, 12:40:00'],
        ['Open · yesterday 09:12', '2 Mar 2026, 09:12:00'],
      ]);
      expect(openRows(firstCard)[0].bottomLabel).toMatch(/^Outlook on Windows · /);
      expect(openRows(firstCard)[1].bottomLabel).toBe("Gmail · Location hidden by Gmail's image proxy");
      expect(openRows(firstCard)[2].bottomLabel).toMatch(/^Apple Mail on iOS · .* · phone$/);

      const clicks = sectionRows(sectionOf(firstCard, 'Clicks by a recipient (1)'));
      expect(clicks.map((row) => [row.topLabel, row.text])).toEqual([['Click · once · last yesterday 09:13', 'https://example.com/contract.pdf']]);

      const folded = sectionOf(firstCard, 'Not counted: your views and machines (2)');
      expect(folded.collapsible).toBe(true);
      expect(folded.widgets[0]).toEqual({ type: 'TextParagraph', text: '1 While composing, 1 Machine prefetch.' });
      expect(widgets(firstCard).length).toBeLessThanOrEqual(100);
    });

    test('own view load is folded after refresh', async () => {
      // Gmail loads the image through its proxy while the panel shows the email.
      await setNow(Date.parse('2026-03-03T09:30:03Z'));
      await loadPixel(token, AGENTS.gmailProxy, '66.249.93.20');
      await summaryWhen(token, (summary) => summary.opens.self === 1);

      const start = sender.urlFetch.requests.length;
      const card = redrawn(sender.call('onRefreshSummary', clickEvent(findButton(firstCard, 'Refresh'), { gmail: sentEvent, timeZone: TIME_ZONE }))).card;
      expect(requestsSince(sender, start).map((request) => `${request.method} ${request.path}`)).toEqual([`GET api/messages/${token}/summary`]);
      expect(visibleText(card)[2]).toBe('Opened 3 times · first 12 minutes after sending · last yesterday 18:04');
      const folded = sectionOf(card, 'Not counted: your views and machines (3)');
      expect(folded.widgets[0]).toEqual({ type: 'TextParagraph', text: '1 Your own view, 1 While composing, 1 Machine prefetch.' });
      expect(sectionRows(folded)[0].topLabel).toBe('Open · Your own view · just now');
    });

    test('reply with tracking starts a tracked draft', () => {
      const start = sender.urlFetch.requests.length;
      const response = responseJson(sender.call('onReplyWithTracking', clickEvent(findButton(firstCard, 'Reply with tracking'), { gmail: sentEvent, timeZone: TIME_ZONE })));
      if (response.type !== 'ComposeActionResponse') throw new Error(`expected a compose action response, got ${describeResponse(response)}`);

      const draft = sender.gmail.drafts.find((candidate) => candidate.id === response.draft.draftId);
      expect(draft?.kind).toBe('replyAll');
      expect(draft?.inReplyTo).toBe('sent');
      const [replyToken] = findPixelTokens(draft?.htmlBody ?? '', tracker.base);
      expect(replyToken).not.toBe(token);
      expect(draft?.htmlBody).toBe(`${pixelHtml(tracker.base, replyToken)}<div><br></div>`);
      expect(requestsSince(sender, start)).toEqual([{ method: 'POST', path: 'api/messages', body: { recipients: [RECIPIENT] }, status: 201 }]);
    });

    test('reply quoting the email reports a quoted view', async () => {
      await setNow(Date.parse('2026-03-03T10:00:00Z'));
      const quoting = `<div>Thanks, signed.</div><div class="gmail_quote"><blockquote class="gmail_quote">${sentBody}</blockquote></div>`;
      const event = sender.gmail.addMessage({ id: 'reply', subject: 'Re: Contract for March', from: `Dana <${RECIPIENT}>`, to: SENDER, body: quoting, date: new Date(now) });
      const start = sender.urlFetch.requests.length;
      const card = cardJson(sender.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));

      expect(requestsSince(sender, start)).toEqual([
        { method: 'POST', path: `api/messages/${token}/self-views`, body: { at: '2026-03-03T10:00:00.000Z', quoted: true }, status: 200 },
      ]);
      expect(card.header?.subtitle).toBe('Contract for March');
      expect(visibleText(card)).toContain('This email quotes one of your tracked emails. The opens and clicks below are that email’s.');

      // The quoted image loads in the sender's view of the reply.
      await setNow(Date.parse('2026-03-03T10:00:02Z'));
      await loadPixel(token, AGENTS.gmailProxy, '66.249.93.20');
      const summary = await summaryWhen(token, (value) => value.opens.self === 2);
      expect(summary.opens.recipient).toBe(3);
    });

    test('email without a pixel says so', () => {
      const event = sender.gmail.addMessage({ id: 'plain', subject: 'Lunch', from: RECIPIENT, to: SENDER, body: '<div>Lunch at 12?</div>', date: new Date(now) });
      const start = sender.urlFetch.requests.length;
      const card = cardJson(sender.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));
      expect(card.header?.title).toBe('Not tracked');
      expect(hasButton(card, 'Reply with tracking')).toBe(true);
      expect(sender.urlFetch.requests.length).toBe(start);
    });

    test("another sender's tracked email is not shown", async () => {
      const foreign = await createMessage(OTHER_SENDER);
      const event = sender.gmail.addMessage({ id: 'foreign', subject: 'Offer', from: OTHER_SENDER, to: SENDER, body: `${pixelHtml(tracker.base, foreign)}<div>Offer</div>`, date: new Date(now) });
      const start = sender.urlFetch.requests.length;
      const card = cardJson(sender.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));
      expect(card.header?.title).toBe('Not your tracked email');
      expect(requestsSince(sender, start).map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([`GET api/messages/${foreign}/summary 404`]);
    });

    test('identity token names the sender without Session', () => {
      const noSession = loadAddon(distDir, { identityToken: tracker.identityToken(SENDER), userEmail: '', now: () => now });
      const event = noSession.gmail.addMessage({ id: 'sent', subject: 'Contract for March', from: SENDER, to: RECIPIENT, body: sentBody, date: new Date(SENT_AT) });
      cardJson(noSession.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));
      expect(noSession.urlFetch.requests[0].url).toBe(`${tracker.base}api/messages/${token}/facts`);
    });

    test('long opens list pages', async () => {
      const busy = await createMessage(SENDER);
      const sentAt = Date.parse('2026-03-04T08:00:00Z');
      for (let i = 1; i <= 45; i++) {
        await setNow(sentAt + i * MINUTE);
        await loadPixel(busy, AGENTS.recipientChrome, `203.0.113.${i}`);
      }
      await setNow(sentAt + 2 * 60 * MINUTE);
      const event = sender.gmail.addMessage({ id: 'busy', subject: 'Newsletter', from: SENDER, to: RECIPIENT, body: pixelHtml(tracker.base, busy), date: new Date(sentAt) });
      const context = { gmail: event, timeZone: TIME_ZONE };

      const first = cardJson(sender.call('onGmailMessageOpen', commonEvent(context)));
      expect(visibleText(first)[2]).toBe('Opened 45 times · first 1 minute after sending · last today 09:45');
      expect(openRows(first)).toHaveLength(18);
      expect(openRows(first)[0].text).toBe('4 Mar 2026, 09:45:00');
      expect(widgets(first).length).toBeLessThanOrEqual(100);

      // Every page after the first reads the 500 newest hits; together the pages list each open once, newest first.
      const expected = Array.from({ length: 45 }, (_, i) => `4 Mar 2026, 09:${String(45 - i).padStart(2, '0')}:00`);
      const pages = [first];
      const skips = [0];
      while (hasButton(pages[pages.length - 1], 'Older opens')) {
        if (pages.length > 10) throw new Error('"Older opens" still shown after 10 pages');
        const button = findButton(pages[pages.length - 1], 'Older opens');
        skips.push(Number(button.parameters.skip));
        const start = sender.urlFetch.requests.length;
        pages.push(redrawn(sender.call('onShowOpensPage', clickEvent(button, context))).card);
        expect(requestsSince(sender, start).map((request) => `${request.method} ${request.path}`)).toEqual([`GET api/messages/${busy}/summary?hits=500`]);
      }
      expect(pages.map((page) => openRows(page).map((row) => row.text))).toEqual([expected.slice(0, 18), expected.slice(18, 38), expected.slice(38)]);
      expect(skips).toEqual([0, 18, 38]);
      for (const page of pages) expect(visibleText(page).join('\n')).not.toContain('counted above but not listed');

      const last = pages[pages.length - 1];
      expect(findButton(last, 'Newer opens').parameters).toEqual({ token: busy, skip: '18' });
      const back = redrawn(sender.call('onShowOpensPage', clickEvent(findButton(last, 'Newer opens'), context))).card;
      expect(openRows(back).map((row) => row.text)).toEqual(expected.slice(18, 38));
      expect(findButton(back, 'Newer opens').parameters).toEqual({ token: busy, skip: '0' });
      const start = sender.urlFetch.requests.length;
      const front = redrawn(sender.call('onShowOpensPage', clickEvent(findButton(back, 'Newer opens'), context))).card;
      expect(requestsSince(sender, start).map((request) => `${request.method} ${request.path}`)).toEqual([`GET api/messages/${busy}/summary`]);
      expect(openRows(front).map((row) => row.text)).toEqual(expected.slice(0, 18));
      expect(hasButton(front, 'Newer opens')).toBe(false);

      for (const skip of ['-3', 'abc', '2.5', '', '1e400']) {
        const card = redrawn(sender.call('onShowOpensPage', commonEvent(context, { token: busy, skip }))).card;
        expect({ skip, listed: openRows(card).map((row) => row.text) }).toEqual({ skip, listed: expected.slice(0, 18) });
      }
    });

    test('opens older than the newest hits page', async () => {
      // Before the newsletter's last activity, so the homepage tests still find it on the first page.
      const sentAt = Date.parse('2026-03-03T12:00:00Z');
      await setNow(sentAt);
      const scanned = await createMessage(SENDER);
      for (let i = 1; i <= 3; i++) {
        await setNow(sentAt + i * MINUTE);
        await loadPixel(scanned, AGENTS.recipientChrome, `203.0.113.${i}`);
      }
      // A chat app's link preview fetches the image 20 times an hour later: 20 newer hits, none a recipient open.
      for (let i = 1; i <= 20; i++) {
        await setNow(sentAt + 60 * MINUTE + i * MINUTE);
        await loadPixel(scanned, AGENTS.slackbot, `198.51.100.${i}`);
      }
      await setNow(sentAt + 3 * 60 * MINUTE);
      const event = sender.gmail.addMessage({ id: 'scanned', subject: 'Shared in chat', from: SENDER, to: RECIPIENT, body: pixelHtml(tracker.base, scanned), date: new Date(sentAt) });
      const context = { gmail: event, timeZone: TIME_ZONE };

      const first = cardJson(sender.call('onGmailMessageOpen', commonEvent(context)));
      expect(visibleText(first)[2]).toBe('Opened 3 times · first 1 minute after sending · last today 13:03');
      expect(openRows(first)).toHaveLength(0);
      expect(visibleText(first)).toContain('No opens by a recipient among the newest hits.');

      const start = sender.urlFetch.requests.length;
      const opens = redrawn(sender.call('onShowOpensPage', clickEvent(findButton(first, 'Older opens'), context))).card;
      expect(requestsSince(sender, start).map((request) => `${request.method} ${request.path}`)).toEqual([
        `GET api/messages/${scanned}/summary`,
        `GET api/messages/${scanned}/summary?hits=500`,
      ]);
      expect(openRows(opens).map((row) => row.text)).toEqual(['3 Mar 2026, 13:03:00', '3 Mar 2026, 13:02:00', '3 Mar 2026, 13:01:00']);
      expect(hasButton(opens, 'Older opens')).toBe(false);
      expect(visibleText(opens).join('\n')).not.toContain('counted above but not listed');
    });
  });

  describe('homepage', () => {
    test('lists activity newest first in pages', async () => {
      await setNow(Date.parse('2026-03-05T08:00:00Z'));
      for (let i = 0; i < 14; i++) await createMessage(SENDER);
      const feed = await apiGet<ActivityResponse>('api/activity?limit=50');
      expect(feed.items.length).toBeGreaterThan(15);

      const home = cardJson(sender.call('onHomepage', commonEvent({ timeZone: TIME_ZONE })));
      expect(home.header).toEqual({ title: 'Email tracking', subtitle: 'Recent activity' });
      const firstPage = rows(home);
      expect(firstPage).toHaveLength(15);
      const older = redrawn(sender.call('onActivityPage', clickEvent(findButton(home, 'Older'), { timeZone: TIME_ZONE }))).card;
      expect(older.sections[1].header).toBe(`Older activity, page 2 (times in ${TIME_ZONE})`);
      expect(hasButton(older, 'Newest')).toBe(true);

      const listed = [...firstPage, ...rows(older)].map((row) => row.onClick?.parameters.token);
      expect(listed).toEqual(feed.items.map((item) => item.token));
      const contract = [...firstPage, ...rows(older)].find((row) => row.onClick?.parameters.token === token);
      expect(contract?.text).toBe('Contract for March');
      expect(contract?.bottomLabel).toBe('Opened 3 times · 1 click');
      expect(contract?.topLabel).toBe('Last activity Tue 11:00');
    });

    test('activity row opens the message card', () => {
      const home = universalCard(sender.call('onRecentActivity', commonEvent({ timeZone: TIME_ZONE })));
      const row = rows(home).find((candidate) => candidate.text === 'Newsletter');
      if (!row?.onClick) throw new Error('no clickable row for the Newsletter email');
      const card = pushed(sender.call('onShowTrackedMessage', clickEvent(row.onClick, { timeZone: TIME_ZONE })));
      expect(card.header?.subtitle).toBe('Newsletter');
      expect(visibleText(card)[2]).toMatch(/^Opened 45 times/);
      expect(hasButton(card, 'Reply with tracking')).toBe(false);
    });

    test('new tracked email starts with the pixel', () => {
      const home = cardJson(sender.call('onHomepage', commonEvent({ timeZone: TIME_ZONE })));
      const button = buttons(home).find((candidate) => candidate.text === 'New tracked email');
      expect(button?.compose?.composedEmailType).toBe('STANDALONE_DRAFT');
      const start = sender.urlFetch.requests.length;
      const response = responseJson(sender.call('onNewTrackedEmail', clickEvent(findButton(home, 'New tracked email'), {})));
      if (response.type !== 'ComposeActionResponse') throw new Error(`expected a compose action response, got ${describeResponse(response)}`);
      const draft = sender.gmail.drafts.find((candidate) => candidate.id === response.draft.draftId);
      expect(draft?.kind).toBe('new');
      expect(findPixelTokens(draft?.htmlBody ?? '', tracker.base)).toHaveLength(1);
      expect(requestsSince(sender, start)).toEqual([{ method: 'POST', path: 'api/messages', body: { recipients: [] }, status: 201 }]);
    });
  });

  describe('delete my data', () => {
    test('asks first, then deletes only this sender', async () => {
      const other = loadAddon(distDir, { identityToken: tracker.identityToken(OTHER_SENDER), userEmail: OTHER_SENDER, now: () => now });
      const settings = universalCard(other.call('onSettings', commonEvent({})));

      const confirm = pushed(other.call('onConfirmDeleteData', clickEvent(findButton(settings, 'Delete all my tracking data'), {})));
      expect(confirm.header?.title).toBe('Delete all tracking data?');
      expect(other.urlFetch.requests).toHaveLength(0);
      const cancel = responseJson(other.call('onGoBack', clickEvent(findButton(confirm, 'Cancel'), {})));
      expect(cancel).toEqual({ type: 'ActionResponse', navigation: { popCard: true } });

      const done = redrawn(other.call('onDeleteData', clickEvent(findButton(confirm, 'Delete everything'), {})));
      expect(done.card.header?.title).toBe('Tracking data deleted');
      expect(visibleText(done.card)).toContain('Deleted 1 tracked email with its opens and clicks.');
      expect(done.notification).toBe('Your tracking data was deleted.');

      const home = cardJson(other.call('onHomepage', commonEvent({})));
      expect(visibleText(home).join(' ')).toContain('No tracked emails yet.');
      await apiGet<MessageSummary>(`api/messages/${token}/summary`);
    });
  });

  describe('errors the sender can act on', () => {
    test('unreachable tracker leaves the draft', async () => {
      const closed = `http://127.0.0.1:${await freePort()}/`;
      const dist = buildAddonForTest(closed);
      try {
        const addon = loadAddon(dist, { identityToken: 'token', userEmail: SENDER });
        const card = cardJson(addon.call('onGmailCompose', commonEvent({})));
        const result = redrawn(addon.call('onTrackEmail', clickEvent(findButton(card, 'Track this email'), {}))).card;
        const text = visibleText(result).join('\n');
        expect(text).toContain(`The tracker at ${closed} could not be reached`);
        expect(text).toContain('Your draft is unchanged.');
        expect(result.header?.subtitle).toBe('This email is not tracked');
      } finally {
        removeBuild(dist);
      }
    });

    test('missing identity token explains re-authorising', () => {
      const addon = loadAddon(distDir, { identityToken: null, userEmail: SENDER, now: () => now });
      const event = addon.gmail.addMessage({ id: 'sent', subject: 'Contract for March', from: SENDER, to: RECIPIENT, body: pixel, date: new Date(SENT_AT) });
      const card = cardJson(addon.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));
      const text = visibleText(card).join('\n');
      expect(text).toContain('Google gave the add-on no identity token');
      expect(text).toContain('https://myaccount.google.com/permissions');
      expect(addon.urlFetch.requests).toHaveLength(0);
    });

    test('unknown message says not found', () => {
      const unknown = 'C'.repeat(32);
      const event = sender.gmail.addMessage({ id: 'unknown', subject: 'S', from: SENDER, to: RECIPIENT, body: pixelHtml(tracker.base, unknown), date: new Date(SENT_AT) });
      const card = cardJson(sender.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));
      expect(card.header?.title).toBe('Cannot show opens and clicks');
      expect(visibleText(card).join('\n')).toContain('The tracker has no record of this message.');
    });

    test('too many requests names the wait', async () => {
      // NOTE: the tracker on main has no rate limit yet, so a stub in a child process
      // returns 429 the way @fastify/rate-limit does, with Retry-After in seconds.
      const port = await freePort();
      const stub: ChildProcess = spawn(
        process.execPath,
        [
          '-e',
          `require('node:http').createServer((req, res) => {
             res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '42' });
             res.end(JSON.stringify({ error: 'rate_limited', message: 'rate limit of 600 API requests per minute exceeded' }));
           }).listen(${port}, '127.0.0.1', () => process.stdout.write('ready'));`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) => stub.stdout?.once('data', () => resolve()));
      const dist = buildAddonForTest(`http://127.0.0.1:${port}/`);
      try {
        const addon = loadAddon(dist, { identityToken: 'token', userEmail: SENDER });
        const home = cardJson(addon.call('onHomepage', commonEvent({})));
        expect(visibleText(home).join('\n')).toContain('The tracker received too many requests from you. Try again in 42 seconds.');
        const card = cardJson(addon.call('onGmailCompose', commonEvent({})));
        const result = redrawn(addon.call('onTrackEmail', clickEvent(findButton(card, 'Track this email'), {}))).card;
        expect(visibleText(result).join('\n')).toContain('Try again in 42 seconds. Your draft is unchanged.');
      } finally {
        removeBuild(dist);
        stub.kill('SIGTERM');
      }
    });
  });
});
