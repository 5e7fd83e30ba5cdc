import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { SEND_TIME_SLACK_MS } from '../tracker/classify/labels';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium';

/*
 * The playground in Chromium, started the way `npm start` starts it. The sender
 * writes an email, tracks it, inserts a tracked link and sends it. The recipient
 * opens it and clicks the link. The sender opens the sent email, and the add-on's
 * side panel lists one open and one click by the recipient. Every request that
 * is not to loopback is aborted and counted.
 */

jest.setTimeout(180_000);

const REPO_ROOT = resolve(__dirname, '..');
const ARTIFACTS = resolve(REPO_ROOT, 'test-artifacts/playground');
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const LINK_TEXT = 'the signed contract';
/** Text of the sample's first paragraph; the sender's cursor goes right after it. */
const CURSOR_AFTER = 'Thanks for the call today. ';
/** Added to the tracker's time windows; every clock here is this machine's, so a small margin does. */
const CLOCK_MARGIN_MS = 500;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Waits until `npm start` prints the playground's URL; fails with its output when it exits first. */
function waitForPlaygroundUrl(child: ChildProcess, output: () => string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no playground URL within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      const match = /Playground: (http:\/\/\S+)/.exec(output());
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output()}`));
    });
  });
}

/**
 * Polls `expression` in `frame` until it is true. Playwright's waitForFunction
 * evaluates strings with eval, which the playground's CSP blocks.
 */
async function waitForTrue(frame: Frame, expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await frame.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function editorFrame(page: Page): Promise<Frame> {
  const frame = await (await page.locator('#compose-editor').elementHandle())?.contentFrame();
  if (!frame) throw new Error('the compose editor frame is not on the page');
  return frame;
}

describe('playground in Chromium', () => {
  let workDir: string;
  let start: ChildProcess;
  let startOutput = '';
  let trackerBase: string;
  let playgroundUrl: string;
  let browser: BrowserContext;
  let page: Page;
  const blocked: string[] = [];
  const requests: string[] = [];
  /** Requests that got a response; the CSP-blocked ones are reported as failed requests instead. */
  const responses: string[] = [];
  const cspBlocked: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'playground-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const trackerPort = await freePort();
    const playgroundPort = await freePort();
    trackerBase = `http://localhost:${trackerPort}/`;

    start = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        METADATA_SERVER_DETECTION: 'none',
        PORT: String(trackerPort),
        PLAYGROUND_PORT: String(playgroundPort),
        DATA_DIR: join(workDir, 'data'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk) => (startOutput += chunk));
    start.stderr?.on('data', (chunk) => (startOutput += chunk));
    playgroundUrl = await waitForPlaygroundUrl(start, () => startOutput);

    browser = await chromium.launchPersistentContext(join(workDir, 'chromium-profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    await browser.route('**/*', (route) => {
      const url = route.request().url();
      if (LOOPBACK_HOSTS.has(new URL(url).hostname)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    browser.on('request', (request) => requests.push(request.url()));
    browser.on('response', (response) => responses.push(response.url()));
    browser.on('requestfailed', (request) => {
      if (request.failure()?.errorText === 'csp') cspBlocked.push(request.url());
    });
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (start && start.exitCode === null) {
      const exited = new Promise<void>((done) => start.once('exit', () => done()));
      start.kill('SIGTERM');
      await exited;
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const pixelRequests = () => responses.filter((url) => url.startsWith(`${trackerBase}o/`));
  const composePanel = () => page.locator('#compose-panel');
  const messagePanel = () => page.locator('#message-panel');
  let destination: string;

  test('page opens with the sender signed in', async () => {
    expect(playgroundUrl).toMatch(/^http:\/\/localhost:\d+\/$/);
    await page.goto(playgroundUrl);
    await page.waitForSelector('body[data-ready="true"]');

    expect(await page.textContent('#sender')).toBe('you@playground.local');
    expect(await page.textContent('#tracker-url')).toBe(trackerBase);
  });

  test('sample opens the compose card', async () => {
    await page.selectOption('#sample', 'contract-reply');
    await composePanel().locator('.card-title', { hasText: 'Email tracking' }).waitFor();

    expect(await page.inputValue('#to')).toBe('dana@example.org');
    expect(await page.inputValue('#subject')).toBe('Re: Contract');
    expect(await composePanel().locator('.card-subtitle').textContent()).toBe('This email is not tracked');
    expect(await composePanel().locator('.card-decorated', { hasText: 'To' }).locator('.card-text').textContent()).toBe('dana@example.org');
  });

  test('track puts the pixel at the start', async () => {
    await composePanel().getByRole('button', { name: 'Track this email' }).click();
    const editor = await editorFrame(page);
    await waitForTrue(editor, `document.body.innerHTML.startsWith(${JSON.stringify(`<img src="${trackerBase}o/`)})`);

    const body = (await editor.evaluate('document.body.innerHTML')) as string;
    expect(body).toMatch(new RegExp(`^<img src="${trackerBase}o/[A-Za-z0-9_-]{32}\\.gif"`));
    expect(body).toContain('Hi Dana,');
    // The compose window's CSP blocks the pixel, so writing adds no open.
    expect(pixelRequests()).toEqual([]);
    expect(cspBlocked.filter((url) => url.startsWith(`${trackerBase}o/`)).length).toBeGreaterThan(0);
  });

  test('tracked link goes in at the cursor', async () => {
    const editor = await editorFrame(page);
    await editor.evaluate(`(() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        const at = node.nodeValue.indexOf(${JSON.stringify(CURSOR_AFTER)});
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at + ${CURSOR_AFTER.length});
          range.collapse(true);
          document.getSelection().removeAllRanges();
          document.getSelection().addRange(range);
          return;
        }
      }
      throw new Error('cursor text not found');
    })()`);
    destination = `${playgroundUrl}site/contract?file=contract-v3.pdf&from=mail`;
    await composePanel().locator('input[name="linkUrl"]').fill(destination);
    await composePanel().locator('input[name="linkText"]').fill(LINK_TEXT);
    await composePanel().getByRole('button', { name: 'Insert tracked link' }).click();
    await waitForTrue(editor, `document.body.innerHTML.includes(${JSON.stringify(`>${LINK_TEXT}</a>`)})`);

    const body = (await editor.evaluate('document.body.innerHTML')) as string;
    expect(body).toMatch(new RegExp(`${CURSOR_AFTER}<a href="${trackerBase}l/[A-Za-z0-9_-]{32}/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+">${LINK_TEXT}</a>The draft contract`));
    expect(await composePanel().locator('.panel-error').count()).toBe(0);
    await page.locator('#compose-pane').screenshot({ path: join(ARTIFACTS, 'compose.png') });
  });

  test('send lists the email for both', async () => {
    await page.click('#send');
    await page.locator('#inbox-list button', { hasText: 'Re: Contract' }).waitFor();

    expect(await page.textContent('#compose-status')).toContain('Sent "Re: Contract"');
    expect(await page.locator('#sent-list button').count()).toBe(1);
    expect(pixelRequests()).toEqual([]);
  });

  test('recipient open loads the pixel', async () => {
    // The tracker labels hits before the send time plus 1 s "While composing", and the
    // send time has whole seconds. Its clock is real time in its own process (started
    // by npm start, so no test clock), and the recipient waits out that second here.
    const { messages } = (await (await fetch(`${playgroundUrl}api/sent`)).json()) as { messages: Array<{ date: string }> };
    const notBefore = Date.parse(messages[0].date) + SEND_TIME_SLACK_MS + CLOCK_MARGIN_MS;
    await new Promise((done) => setTimeout(done, Math.max(0, notBefore - Date.now())));
    const pixel = page.waitForResponse((response) => response.url().startsWith(`${trackerBase}o/`));
    await page.locator('#inbox-list button', { hasText: 'Re: Contract' }).click();
    const response = await pixel;

    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/gif');
    expect(pixelRequests()).toHaveLength(1);
  });

  test('recipient click reaches the destination', async () => {
    const link = page.frameLocator('#recipient-view').getByRole('link', { name: LINK_TEXT });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${trackerBase}l/`));
    // A mouse click at the link's place: Playwright's own click waits on scripts,
    // which the email's sandboxed frame does not run.
    const frame = await (await page.locator('#recipient-view').elementHandle())?.contentFrame();
    const frameBox = await page.locator('#recipient-view').boundingBox();
    if (!frame || !frameBox) throw new Error('the recipient pane shows no email');
    const rect = (await frame.evaluate(
      `(() => { const link = [...document.links].find((a) => a.textContent === ${JSON.stringify(LINK_TEXT)}); const r = link.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
    )) as { x: number; y: number };
    // The frame has a 1 px border around its content.
    const box = { x: frameBox.x + 1 + rect.x, y: frameBox.y + 1 + rect.y };
    const [tab] = await Promise.all([browser.waitForEvent('page'), page.mouse.click(box.x, box.y)]);
    await tab.waitForURL(destination);

    expect(await tab.textContent('h1')).toBe('Destination reached');
    await page.locator('#inbox-pane').screenshot({ path: join(ARTIFACTS, 'recipient.png') });
    await tab.screenshot({ path: join(ARTIFACTS, 'destination.png') });
    await tab.close();
  });

  test('side panel shows one open and one click', async () => {
    await page.locator('#sent-list button', { hasText: 'Re: Contract' }).click();
    await messagePanel().locator('.card-title', { hasText: 'Opens and clicks' }).waitFor();

    const section = (header: string) => messagePanel().locator('.card-section', { has: page.locator('.card-section-header', { hasText: header }) });
    const topLabels = async (header: string) => section(header).locator('.card-top-label').allTextContents();
    expect(await messagePanel().locator('.card-paragraph').first().textContent()).toMatch(/^Opened once · /);
    expect((await topLabels('Activity')).filter((label) => label.startsWith('Open · '))).toHaveLength(1);
    expect(await section('Clicks by a recipient (1)').count()).toBe(1);
    expect((await topLabels('Clicks by a recipient')).filter((label) => label.startsWith('Click · '))).toHaveLength(1);
    expect(await section('Clicks by a recipient').locator('.card-text').first().textContent()).toBe(destination);
    // Nothing set apart: the compose window and the sender's view load no pixel.
    expect(await section('Not counted').count()).toBe(0);
    // The sender's own view does not load the pixel.
    expect(pixelRequests()).toHaveLength(1);
    await page.locator('#sent-pane').screenshot({ path: join(ARTIFACTS, 'sender.png') });
    await messagePanel().screenshot({ path: join(ARTIFACTS, 'side-panel.png') });
  });

  test('refresh redraws the same counts', async () => {
    await messagePanel().getByRole('button', { name: 'Refresh' }).click();
    await waitForTrue(page.mainFrame(), `!document.getElementById('message-panel').classList.contains('loading')`);

    expect(await messagePanel().locator('.card-paragraph').first().textContent()).toMatch(/^Opened once · /);
    expect(await messagePanel().locator('.card-section-header', { hasText: 'Clicks by a recipient (1)' }).count()).toBe(1);
    expect(await messagePanel().locator('.panel-error').count()).toBe(0);
  });

  test('nothing left loopback', () => {
    expect(blocked).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
  });

  test('SIGTERM stops tracker and playground', async () => {
    await browser.close();
    const exited = new Promise<number | null>((done) => start.once('exit', (code) => done(code)));
    start.kill('SIGTERM');
    expect(await exited).toBe(0);

    for (const url of [`${trackerBase}healthz`, playgroundUrl]) {
      await expect(fetch(url)).rejects.toThrow();
    }
  });
});
