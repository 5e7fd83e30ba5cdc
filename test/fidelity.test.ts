import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { pixelUrl } from '../shared/urls';
import { rewriteEmailHtml } from '../tracker/rewrite/rewriteEmailHtml';
import { issueToken } from '../tracker/tokens';
import { undoRewrite } from './fixtures/rewrite/undoRewrite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium';

/*
 * Fidelity of the rewriter on real emails: the text differs only by the pixel
 * and the tracked hrefs, and Chromium draws the rewritten email exactly like
 * the original. Pages and the pixel come from a loopback server started here,
 * and the browser aborts every request to any other host.
 */

const EMAILS_DIR = join(__dirname, 'fixtures', 'emails');
const FIXTURE_EMAILS_DIR = join(__dirname, 'fixtures', 'rewrite', 'emails');
const ARTIFACTS_DIR = join(__dirname, '..', 'test-artifacts', 'fidelity');
const secret = 'fidelity-test-secret';
const token = issueToken(secret);
// Transparent 1x1 GIF89a, the same image the pixel route serves.
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

// The project's sample emails and this test's harder ones.
const emails = [EMAILS_DIR, FIXTURE_EMAILS_DIR].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .map((name) => ({ name, path: join(dir, name) })),
);
const pages = new Map<string, string>();
let server: Server;
let base: string;
let browser: BrowserContext;
let userDataDir: string;
const pixelRequests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path.startsWith('/o/')) {
      pixelRequests.push(path);
      response.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store' }).end(GIF);
      return;
    }
    const page = pages.get(path);
    if (page === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  userDataDir = mkdtempSync(join(tmpdir(), 'fidelity-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    viewport: { width: 800, height: 600 },
    deviceScaleFactor: 1,
    args: CHROMIUM_ARGS,
  });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(userDataDir, { recursive: true, force: true });
});

/** Loads a page from the loopback server and returns a full-page PNG screenshot. */
async function render(path: string): Promise<{ png: Buffer; pixelLoaded: boolean; blocked: string[] }> {
  const blocked: string[] = [];
  const page = await browser.newPage();
  await page.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  await page.goto(new URL(path, base).toString(), { waitUntil: 'load' });
  // A string, because the project compiles without the DOM library.
  const pixelLoaded = (await page.evaluate(`(() => {
    const image = [...document.images].find((img) => img.src === ${JSON.stringify(pixelUrl(base, token))});
    return image !== undefined && image.complete && image.naturalWidth === 1;
  })()`)) as boolean;
  const png = await page.screenshot({ fullPage: true });
  await page.close();
  return { png, pixelLoaded, blocked };
}

describe.each(emails)('$name', ({ name, path }) => {
  const input = readFileSync(path, 'utf8');

  test('text differs only by pixel and hrefs', () => {
    const options = { base: 'https://t.example.com/', token, secret };
    const result = rewriteEmailHtml(input, options);
    const undone = undoRewrite(input, result.html, options);
    expect(result.pixel).toBe('inserted');
    expect(undone.pixelsRemoved).toBe(1);
    expect(undone.hrefsRestored).toBe(result.links.filter((link) => link.tracked).length);
    expect(undone.hrefsRestored).toBeGreaterThan(0);
    expect(undone.restored).toBe(input);
  });

  test('renders identically in Chromium', async () => {
    const result = rewriteEmailHtml(input, { base, token, secret });
    pages.set(`/input/${name}`, input);
    pages.set(`/output/${name}`, result.html);
    const before = pixelRequests.length;

    const original = await render(`/input/${name}`);
    const rewritten = await render(`/output/${name}`);
    const stem = name.replace(/\.html$/, '');
    writeFileSync(join(ARTIFACTS_DIR, `${stem}-input.png`), original.png);
    writeFileSync(join(ARTIFACTS_DIR, `${stem}-output.png`), rewritten.png);

    expect(rewritten.pixelLoaded).toBe(true);
    expect(pixelRequests.length - before).toBe(1);
    expect(original.blocked).toEqual([]);
    expect(rewritten.blocked).toEqual([]);
    expect(rewritten.png.equals(original.png)).toBe(true);
  });
});
