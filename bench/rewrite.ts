import { performance } from 'node:perf_hooks';
import { rewriteEmailHtml } from '../tracker/rewrite/rewriteEmailHtml';
import { issueToken } from '../tracker/tokens';

/*
 * Measures the link rewriter on a generated newsletter of about 100 KB: many
 * nested tables, tracked and untracked links, entities, an Outlook conditional
 * comment and a quoted earlier message. Prints the mean and median time per
 * email and the throughput in MB per second. Runs at most ITERATIONS rewrites
 * (default 300) and stops early after MAX_SECONDS (default 30).
 */

const TARGET_BYTES = 100 * 1024;

function section(i: number): string {
  return `
<tr><td class="content" style="padding:16px 24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#333333">
  <!--[if mso]><table role="presentation" width="100%"><tr><td><![endif]-->
  <h2 style="margin:0 0 8px 0;font-size:18px">Story ${i}: caf&eacute; &amp; co&nbsp;&mdash; r&eacute;sum&eacute;</h2>
  <p style="margin:0 0 12px 0">Lorem ipsum dolor sit amet, <a href="https://news.example.com/${i}/story?utm_source=mail&amp;utm_medium=email&amp;id=${i}#top" style="color:#1a73e8">consectetur</a> adipiscing elit. Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua &#8212; see <a href='https://docs.example.com/files/Guide(${i}).pdf'>the guide</a>.</p>
  <table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
    <td bgcolor="#1a73e8" style="border-radius:4px"><a href=https://app.example.com/start?plan=pro&ref=${i} style="display:inline-block;padding:10px 18px;color:#ffffff;text-decoration:none">Read more</a></td>
    <td style="padding-left:12px"><a href="mailto:editor@example.com?subject=Story%20${i}">Reply</a> &middot; <a href="#section-${i}">Top</a></td>
  </tr></table>
  <!--[if mso]></td></tr></table><![endif]-->
</td></tr>`;
}

function generateEmail(): string {
  const head = `<!DOCTYPE html>
<html lang="en" xmlns:v="urn:schemas-microsoft-com:vml">
<head><meta charset="utf-8"><title>Weekly digest</title>
<style>a { color: #1a73e8; } @media (max-width: 600px) { .content { padding: 8px !important; } }</style>
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]-->
</head>
<body style="margin:0;padding:0;background:#f4f4f4">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="background:#ffffff">`;
  const tail = `
</table></td></tr></table>
<div class="gmail_quote"><blockquote type="cite"><p>Earlier: <a href="https://old.example.com/quoted">quoted link</a></p></blockquote></div>
</body></html>`;
  let body = '';
  for (let i = 0; head.length + body.length + tail.length < TARGET_BYTES; i++) body += section(i);
  return head + body + tail;
}

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} is "${raw}"; expected a whole number of at least 1`);
  return value;
}

function main(): void {
  const iterations = numberFromEnv('ITERATIONS', 300);
  const maxSeconds = numberFromEnv('MAX_SECONDS', 30);
  const secret = 'bench-secret-bench-secret-bench-secret';
  const options = { base: 'https://t.example.com/', token: issueToken(secret), secret };
  const html = generateEmail();
  const bytes = Buffer.byteLength(html, 'utf8');

  const sample = rewriteEmailHtml(html, options);
  const tracked = sample.links.filter((link) => link.tracked).length;
  for (let i = 0; i < 20; i++) rewriteEmailHtml(html, options);

  const times: number[] = [];
  const deadline = performance.now() + maxSeconds * 1000;
  while (times.length < iterations && performance.now() < deadline) {
    const start = performance.now();
    rewriteEmailHtml(html, options);
    times.push(performance.now() - start);
  }

  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
  const median = times[Math.floor(times.length / 2)];
  const p95 = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))];
  const megabytes = bytes / (1024 * 1024);
  process.stdout.write(
    [
      `email: ${(bytes / 1024).toFixed(1)} KB, ${sample.links.length} links (${tracked} tracked, ${sample.links.length - tracked} skipped)`,
      `rewrites: ${times.length} (after 20 warm-up), node ${process.version}`,
      `per email: mean ${mean.toFixed(2)} ms, median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`,
      `per MB: ${(mean / megabytes).toFixed(1)} ms (${(megabytes / (mean / 1000)).toFixed(2)} MB/s)`,
      '',
    ].join('\n'),
  );
}

main();
