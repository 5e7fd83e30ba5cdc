import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app';
import type { Config } from '../config';

/*
 * The privacy page, `GET /privacy`: what the tracker collects, how long it
 * keeps it and how to delete it. The retention period and the IP address
 * handling are read from the configuration, so the page describes the running
 * service rather than the defaults.
 */

function describeIpStorage(config: Config): string {
  switch (config.ipStorage) {
    case 'truncated':
      return 'the network part of the address only: the first three numbers of an IPv4 address (for example 203.0.113.0) or the first 48 bits of an IPv6 address. The full address is used once, when the request arrives, to look up an approximate location and is then discarded';
    case 'full':
      return 'the full address, because the operator of this tracker has configured it so';
    case 'none':
      return 'nothing: the address is used once, when the request arrives, to look up an approximate location and is then discarded';
  }
}

export function privacyPage(config: Config): string {
  const days = config.retentionDays;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Privacy: Gmail open tracker</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>Privacy</h1>
<p>This service records when emails sent with the Gmail open tracker add-on are opened and when
their links are clicked, and shows that to the person who sent the email. It is not used for
advertising, and the data is not sold or shared with anyone else.</p>

<h2>What is collected</h2>
<h3>About senders (people who use the add-on)</h3>
<ul>
<li>The email address of the Google account, taken from the identity token Google issues to the add-on.</li>
<li>For each tracked email: when it was created and sent, its subject and the recipient addresses the add-on reports.</li>
</ul>
<h3>About readers (people who receive a tracked email)</h3>
<p>Each time the tracking image loads or a tracked link is followed, the service stores:</p>
<ul>
<li>the time, and whether it was an open or a click (with the link's destination);</li>
<li>of the reader's IP address: ${describeIpStorage(config)};</li>
<li>the approximate location derived from the address (country, region, city and time zone), and whether a mail provider's image proxy made the request;</li>
<li>the browser's user agent and what it names: the mail client, operating system and kind of device.</li>
</ul>
<p>No cookies are set and no other data about readers is collected.</p>

<h2>How long it is kept</h2>
<p>A tracked email and everything recorded for it are deleted ${days} day${days === 1 ? '' : 's'} after
its last activity (its creation, an open or a click). Expired data is removed automatically every hour.</p>

<h2>How to delete it</h2>
<ul>
<li>Senders can delete every record about themselves and their tracked emails at once: in the
add-on, open Settings and choose <em>Delete all my tracking data</em>. The add-on then sends the
request <code>DELETE /api/me/data</code>, signed with the sender's Google identity token. The
deletion takes effect immediately and cannot be undone.</li>
<li>Readers who want the records about their opens and clicks deleted can ask the sender of the
email, who can delete them as above.</li>
</ul>
</body>
</html>
`;
}

/** Registers `GET /privacy`; the page is built once, because the configuration does not change while running. */
export function privacyRoutes(app: FastifyInstance, context: AppContext): void {
  const page = privacyPage(context.config);
  app.get('/privacy', async (_request, reply) => {
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(page);
  });
}
