/*
 * Entry of the tracker process the add-on's end-to-end tests run: the same app
 * as tracker/main.ts, with a clock the test sets. Tests move time forward between
 * steps (an open an hour after sending, a view a day later) instead of waiting.
 *
 * Environment: the tracker's own variables, plus TEST_CLOCK_START_MS (the clock's
 * first value, epoch milliseconds) and TEST_CLOCK_PORT (loopback port of the
 * control server: PUT /clock with the new time in milliseconds as the body).
 */
import { createServer } from 'node:http';
import { buildApp } from '../../tracker/app';
import { loadConfig } from '../../tracker/config';
import { openStore } from '../../tracker/store/index';

async function main(): Promise<void> {
  let now = Number(process.env.TEST_CLOCK_START_MS);
  if (!Number.isFinite(now)) throw new Error(`TEST_CLOCK_START_MS is "${process.env.TEST_CLOCK_START_MS}"; expected epoch milliseconds`);

  const config = loadConfig(process.env);
  const store = await openStore(config);
  const app = buildApp(config, { store, clock: { now: () => now } });

  const control = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const value = Number(body);
      if (request.method !== 'PUT' || request.url !== '/clock' || !Number.isFinite(value)) {
        response.writeHead(400, { 'Content-Type': 'text/plain' });
        response.end(`expected PUT /clock with epoch milliseconds as the body, got ${request.method} ${request.url} "${body}"`);
        return;
      }
      now = value;
      // A reused idle connection can meet the server's 5 s keep-alive close after a test
      // blocks its event loop in synchronous UrlFetchApp calls ("other side closed").
      response.writeHead(204, { Connection: 'close' });
      response.end();
    });
  });
  await new Promise<void>((done) => control.listen(Number(process.env.TEST_CLOCK_PORT), '127.0.0.1', done));

  process.on('SIGTERM', () => {
    control.close();
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
  await app.listen({ host: config.host, port: config.port });
}

void main().catch((error: unknown) => {
  process.stderr.write(`clocked tracker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
