import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { MessageSummary } from '../shared/api';
import { findPixelTokens, pixelHtml } from '../shared/urls';
import { loadOrCreateDevKey, signDevIdToken } from '../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { buildAddonForTest, removeBuild, REPO_ROOT } from './support/addonBuild';
import { cardJson, responseJson, type CardJson, type DraftBodyUpdateJson } from '../sandbox/cardService';
import { clickEvent, commonEvent, findButton, rows, visibleText } from '../sandbox/cards';
import { loadAddon, type LoadedAddon } from '../sandbox/loadAddon';
import { formatDate } from '../sandbox/services';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium';

/*
 * The whole product on real parts, in the order a sender and a recipient act.
 * The sender composes a reply, tracks it, inserts a tracked link and sends it.
 * The recipient opens the email in Chromium and clicks the link. The sender opens
 * the sent email, and the card lists the open and the click. A later open through
 * Gmail's image proxy is listed with its location hidden.
 *
 * The tracker runs in a child process, because the UrlFetchApp fake blocks this
 * process while it waits for each response.
 */

jest.setTimeout(120_000);

const SENDER = 'sam@example.com';
const RECIPIENT = 'dana@example.org';
const TIME_ZONE = 'Europe/Berlin';
const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const GMAIL_PROXY_AGENT = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const GMAIL_PROXY_ADDRESS = '66.249.93.17';
const LINK_TEXT = 'the signed contract';
/** Text in the draft's first paragraph; the sender's cursor sits right after it. */
const CURSOR_AFTER = 'Thanks for the call today. ';

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Polls /healthz until the tracker responds, for at most `timeoutMs`. */
async function waitForTracker(baseUrl: string, tracker: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (tracker.exitCode !== null) throw new Error(`tracker exited with ${tracker.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`tracker at ${baseUrl} did not start within ${timeoutMs} ms:\n${output()}`);
}

function draftUpdate(result: unknown): DraftBodyUpdateJson {
  const response = responseJson(result);
  if (response.type !== 'UpdateDraftActionResponse') {
    const card = response.type === 'ActionResponse' ? response.navigation.updateCard : undefined;
    throw new Error(`expected a draft update, got the card redrawn: ${card ? visibleText(card).join(' | ') : 'no card'}`);
  }
  return response.body;
}

function redrawnCard(result: unknown): CardJson {
  const response = responseJson(result);
  if (response.type !== 'ActionResponse' || !response.navigation.updateCard) throw new Error(`expected the card redrawn, got ${response.type}`);
  return response.navigation.updateCard;
}

function hitRows(card: CardJson, kind: 'Open' | 'Click') {
  return rows(card).filter((row) => row.topLabel?.startsWith(`${kind} · `));
}

describe('sender and recipient end to end', () => {
  let workDir: string;
  let trackerBase: string;
  let tracker: ChildProcess;
  let trackerOutput = '';
  let pageServer: Server;
  let pageBase: string;
  let pageRequests: string[] = [];
  let browser: BrowserContext;
  let distDir: string;
  let addon: LoadedAddon;
  let identityToken: string;
  let signingKey: string;

  /** Email bodies the page server shows at /mail/<id>. */
  const mailbox = new Map<string, string>();

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'e2e-'));
    execFileSync('npm', ['run', '-s', 'build:tracker'], { cwd: REPO_ROOT, stdio: 'pipe' });

    const keyFile = join(workDir, 'dev-signin-key.pem');
    signingKey = loadOrCreateDevKey(keyFile);
    identityToken = signDevIdToken(signingKey, { email: SENDER, audience: LOCAL_AUDIENCE });

    const port = await freePort();
    trackerBase = `http://127.0.0.1:${port}/`;
    tracker = spawn(process.execPath, [resolve(REPO_ROOT, 'build/tracker/main.js')], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        METADATA_SERVER_DETECTION: 'none',
        PROFILE: 'local',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_BASE_URL: trackerBase,
        DATA_DIR: workDir,
        STORE: 'sqlite',
        SQLITE_PATH: join(workDir, 'tracker.sqlite'),
        DEV_SIGNIN: 'on',
        DEV_SIGNIN_KEY_FILE: keyFile,
        ID_TOKEN_AUDIENCE: LOCAL_AUDIENCE,
        // One proxy hop is trusted, as behind Cloud Run's front end, so X-Forwarded-For names the client.
        TRUST_PROXY_HOPS: '1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tracker.stdout?.on('data', (chunk) => (trackerOutput += chunk));
    tracker.stderr?.on('data', (chunk) => (trackerOutput += chunk));
    await waitForTracker(trackerBase, tracker, () => trackerOutput);

    pageServer = createHttpServer((request, response) => {
      const url = request.url ?? '/';
      pageRequests.push(url);
      const mail = /^\/mail\/([\w-]+)$/.exec(url);
      if (mail && mailbox.has(mail[1])) {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(`<!doctype html><html><head><title>Inbox</title></head><body>${mailbox.get(mail[1])}</body></html>`);
        return;
      }
      if (url.startsWith('/destination')) {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end('<!doctype html><html><head><title>Contract</title></head><body><h1>Destination reached</h1></body></html>');
        return;
      }
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('not found');
    });
    await new Promise<void>((done) => pageServer.listen(0, '127.0.0.1', done));
    pageBase = `http://127.0.0.1:${(pageServer.address() as { port: number }).port}/`;

    distDir = buildAddonForTest(trackerBase);
    addon = loadAddon(distDir, { identityToken, scriptTimeZone: 'Etc/UTC', userEmail: SENDER });

    browser = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      userAgent: CHROME_ON_LINUX,
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (pageServer) await new Promise<void>((done) => pageServer.close(() => done()));
    if (tracker && tracker.exitCode === null) {
      const exited = new Promise<void>((done) => tracker.once('exit', () => done()));
      tracker.kill('SIGTERM');
      await exited;
    }
    if (distDir) removeBuild(distDir);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const replyDraft = readFileSync(resolve(__dirname, 'fixtures/emails/gmail-reply.html'), 'utf8');
  let composeCard: CardJson;
  let pixel: DraftBodyUpdateJson;
  let link: DraftBodyUpdateJson;
  let token: string;
  let destination: string;
  let sentDraft: string;
  let sentEvent: { messageId: string; threadId: string; accessToken: string };

  test('compose card shows an untracked reply', () => {
    const gmail = { accessToken: '', messageId: '', threadId: '', toRecipients: [RECIPIENT] };
    composeCard = cardJson(addon.call('onGmailCompose', commonEvent({ gmail, timeZone: TIME_ZONE })));

    expect(composeCard.header?.subtitle).toBe('This email is not tracked');
    expect(rows(composeCard).find((row) => row.topLabel === 'To')?.text).toBe(RECIPIENT);
  });

  test('track inserts the pixel at the start', () => {
    pixel = draftUpdate(addon.call('onTrackEmail', clickEvent(findButton(composeCard, 'Track this email'), { timeZone: TIME_ZONE })));

    expect(pixel.updateType).toBe('INSERT_AT_START');
    expect(pixel.contents).toHaveLength(1);
    expect(pixel.contents[0].contentType).toBe('IMMUTABLE_HTML');
    const tokens = findPixelTokens(pixel.contents[0].content, trackerBase);
    expect(tokens).toHaveLength(1);
    token = tokens[0];
    expect(pixel.contents[0].content).toBe(pixelHtml(trackerBase, token));

    const create = addon.urlFetch.requests[0];
    expect(create.url).toBe(`${trackerBase}api/messages`);
    expect(create.method).toBe('POST');
    expect(JSON.parse(create.body ?? '{}')).toEqual({ recipients: [RECIPIENT] });
  });

  test('tracking twice inserts nothing', () => {
    const before = addon.urlFetch.requests.length;
    const card = redrawnCard(addon.call('onTrackEmail', clickEvent(findButton(composeCard, 'Track this email'), { timeZone: TIME_ZONE })));

    expect(visibleText(card)).toContain('This email is already tracked; its tracking image is at the start of the body.');
    expect(card.header?.subtitle).toBe('This email is tracked');
    expect(addon.urlFetch.requests.length).toBe(before);
  });

  test('tracked link goes in at the cursor', () => {
    destination = `${pageBase}destination?file=contract-v3.pdf&from=mail`;
    const action = findButton(composeCard, 'Insert tracked link');
    link = draftUpdate(addon.call('onInsertTrackedLink', clickEvent(action, { timeZone: TIME_ZONE }, { linkUrl: destination, linkText: LINK_TEXT })));

    expect(link.updateType).toBe('IN_PLACE_INSERT');
    expect(link.contents).toHaveLength(1);
    expect(link.contents[0].contentType).toBe('MUTABLE_HTML');
    const html = link.contents[0].content;
    expect(html).toMatch(new RegExp(`^<a href="${trackerBase}l/${token}/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+">${LINK_TEXT}</a>$`));

    // Gmail puts the pixel before everything and the link where the cursor is.
    const cursor = replyDraft.indexOf(CURSOR_AFTER) + CURSOR_AFTER.length;
    expect(cursor).toBeGreaterThan(CURSOR_AFTER.length);
    sentDraft = pixel.contents[0].content + replyDraft.slice(0, cursor) + html + ' ' + replyDraft.slice(cursor);
  });

  test('every API call carries the identity token', () => {
    expect(addon.urlFetch.requests.length).toBe(2);
    for (const request of addon.urlFetch.requests) {
      expect(request.headers.Authorization).toBe(`Bearer ${identityToken}`);
      expect(request.options.muteHttpExceptions).toBe(true);
      expect(request.status).toBe(201);
    }
  });

  test('recipient opens the email in Chromium', async () => {
    sentEvent = addon.gmail.addMessage({ id: 'sent-1', subject: 'Re: Contract', from: SENDER, to: RECIPIENT, body: sentDraft, date: new Date() });
    mailbox.set('sent-1', sentDraft);

    const page = await browser.newPage();
    const pixelUrl = `${trackerBase}o/${token}.gif`;
    const pixelResponse = page.waitForResponse((response) => response.url() === pixelUrl);
    await page.goto(`${pageBase}mail/sent-1`);
    const response = await pixelResponse;

    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/gif');
    // A string expression, because this project compiles without the DOM types.
    const width = await page.evaluate(
      `(() => { const img = [...document.images].find((i) => i.src === ${JSON.stringify(pixelUrl)}); return img && img.complete ? img.naturalWidth : -1; })()`,
    );
    expect(width).toBe(1);
    expect(await page.evaluate('navigator.userAgent')).toBe(CHROME_ON_LINUX);
  });

  test('recipient clicks through to the destination', async () => {
    const page = browser.pages().find((candidate) => candidate.url().endsWith('/mail/sent-1'));
    if (!page) throw new Error('the email page is not open');

    await Promise.all([page.waitForURL(destination), page.click(`a:has-text("${LINK_TEXT}")`)]);

    expect(page.url()).toBe(destination);
    expect(await page.textContent('h1')).toBe('Destination reached');
    expect(pageRequests).toContain('/destination?file=contract-v3.pdf&from=mail');
  });

  let firstCard: CardJson;

  test('sender sees one open and one click', async () => {
    firstCard = cardJson(addon.call('onGmailMessageOpen', commonEvent({ gmail: sentEvent, timeZone: TIME_ZONE })));

    expect(firstCard.header?.title).toBe('Opens and clicks');
    const opens = hitRows(firstCard, 'Open');
    const clicks = hitRows(firstCard, 'Click');
    expect(opens).toHaveLength(1);
    expect(clicks).toHaveLength(1);
    expect(opens[0].bottomLabel).toMatch(/^Chrome on Linux · /);
    expect(clicks[0].bottomLabel).toMatch(/^Chrome on Linux · /);
    expect(clicks[0].text).toContain(destination.replace(/&/g, '&amp;'));

    // Times are the tracker's, shown in the sender's zone.
    const summary = await fetchSummary();
    const openHit = summary.hits.find((hit) => hit.kind === 'open');
    expect(openHit).toBeDefined();
    expect(opens[0].text).toBe(formatDate(new Date(openHit?.at ?? 0), TIME_ZONE, 'd MMM yyyy, HH:mm:ss'));
    expect(visibleText(firstCard)).toContain(`Activity (times in ${TIME_ZONE})`);
  });

  test('Gmail proxy open hides the location', async () => {
    const response = await fetch(`${trackerBase}o/${token}.gif`, {
      headers: { 'User-Agent': GMAIL_PROXY_AGENT, 'X-Forwarded-For': GMAIL_PROXY_ADDRESS },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    await response.arrayBuffer();

    const card = redrawnCard(addon.call('onRefreshSummary', commonEvent({ gmail: sentEvent, timeZone: TIME_ZONE })));
    const opens = hitRows(card, 'Open');
    expect(opens).toHaveLength(2);
    expect(hitRows(card, 'Click')).toHaveLength(1);
    const gmailOpens = opens.filter((row) => row.bottomLabel?.startsWith('Gmail · '));
    expect(gmailOpens).toHaveLength(1);
    expect(gmailOpens[0].bottomLabel).toBe("Gmail · Location hidden by Gmail's image proxy");
    // The earlier open keeps its place in the list, below the newer one.
    expect(opens[1].bottomLabel).toMatch(/^Chrome on Linux · /);
  });

  test('unknown pixel token shows not found', () => {
    const unknown = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const event = addon.gmail.addMessage({ id: 'other', subject: 'S', from: SENDER, to: RECIPIENT, body: pixelHtml(trackerBase, unknown), date: new Date() });
    const card = cardJson(addon.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));

    expect(card.header?.title).toBe('Cannot show opens and clicks');
    expect(visibleText(card).join('\n')).toContain('The tracker has no record of this message.');
    expect(addon.urlFetch.requests.at(-1)?.status).toBe(404);
  });

  test('rejected sign-in says how to recover', () => {
    const strangerKey = loadOrCreateDevKey(join(workDir, 'stranger-key.pem'));
    const stranger = loadAddon(distDir, { identityToken: signDevIdToken(strangerKey, { email: SENDER, audience: LOCAL_AUDIENCE }) });
    const event = stranger.gmail.addMessage({ id: 'sent-1', subject: 'Re: Contract', from: SENDER, to: RECIPIENT, body: sentDraft, date: new Date() });
    const card = cardJson(stranger.call('onGmailMessageOpen', commonEvent({ gmail: event, timeZone: TIME_ZONE })));

    const text = visibleText(card).join('\n');
    expect(text).toContain('The tracker rejected your sign-in (HTTP 401');
    expect(text).toContain('https://myaccount.google.com/permissions');
  });

  async function fetchSummary(): Promise<MessageSummary> {
    const response = await fetch(`${trackerBase}api/messages/${token}/summary`, { headers: { Authorization: `Bearer ${identityToken}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as MessageSummary;
  }
});
