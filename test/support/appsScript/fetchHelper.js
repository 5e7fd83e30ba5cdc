// Performs one HTTP request for the UrlFetchApp fake, which runs it in a child
// process so that the caller can block the way Apps Script's UrlFetchApp does.
// Reads {url, method, headers, body (base64 or null), timeoutMs} as JSON on stdin and
// prints {status, headers, body (base64)} or {error} as JSON on stdout.
// Only loopback hosts are contacted.
'use strict';
const http = require('node:http');
const https = require('node:https');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function finish(result) {
  process.stdout.write(JSON.stringify(result));
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const url = new URL(request.url);
  if (!LOOPBACK.has(url.hostname)) {
    finish({ error: `refusing to contact ${url.hostname}: the test fetch helper only reaches loopback hosts` });
    return;
  }
  const client = url.protocol === 'https:' ? https : http;
  const req = client.request(url, { method: request.method, headers: request.headers }, (res) => {
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('base64') }));
  });
  req.setTimeout(request.timeoutMs, () => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)));
  req.on('error', (error) => finish({ error: `${error.code || error.name}: ${error.message}` }));
  if (request.body !== null) req.write(Buffer.from(request.body, 'base64'));
  req.end();
});
