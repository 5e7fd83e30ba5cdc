import { escapeText } from './renderCard';
import type { SentMessage } from './mailbox';

/*
 * Pages the playground's frames load: an email as its recipient's mail client
 * shows it, the sender's copy, and the pages sample links lead to. Emails are
 * shown with scripts off, as mail clients show them, and with links opening in
 * a new tab.
 */

/** CSP of the playground page. Its compose editor (a srcdoc frame) inherits it, so images from the tracker do not load while composing. */
export function appPolicy(): string {
  return "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'";
}

/**
 * CSP of the recipient's view: images from the playground and the tracker only,
 * so the pixel loads and nothing else leaves the machine.
 */
export function recipientPolicy(trackerOrigin: string): string {
  return `default-src 'none'; img-src 'self' data: ${trackerOrigin}; style-src 'unsafe-inline'; form-action 'none'`;
}

/** CSP of the sender's view: the tracker's images stay blocked, so reading your own email adds no open. */
export function senderPolicy(): string {
  return "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'none'";
}

function headerRows(message: SentMessage): string {
  return (
    `<div class="row"><span>From</span>${escapeText(message.from)}</div>` +
    `<div class="row"><span>To</span>${escapeText(message.to)}</div>` +
    `<div class="row"><span>Date</span>${escapeText(message.date.toUTCString())}</div>`
  );
}

const MAIL_STYLE =
  'body{margin:0;font:14px/1.5 Arial,Helvetica,sans-serif;color:#202124}' +
  '.mail-head{padding:12px 16px;border-bottom:1px solid #dadce0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
  '.mail-head h1{font-size:20px;font-weight:400;margin:0 0 8px}' +
  '.row{font-size:12px;color:#5f6368}.row span{display:inline-block;width:40px;color:#80868b}' +
  '.mail-body{padding:16px}';

/** The email as a mail client shows it; the caller's CSP decides whether the tracker's images load. */
export function mailPage(message: SentMessage): string {
  const subject = escapeText(message.subject || '(no subject)');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><base target="_blank">' +
    `<title>${subject}</title><style>${MAIL_STYLE}</style></head><body>` +
    `<div class="mail-head"><h1>${subject}</h1>${headerRows(message)}</div>` +
    `<div class="mail-body" id="mail-body">${message.body}</div></body></html>`
  );
}

/** The page a sample link leads to, so clicking one never leaves the machine. */
export function destinationPage(slug: string, query: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Destination reached</title>' +
    '<style>body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:48px;color:#202124}code{background:#f1f3f4;padding:2px 4px}</style></head><body>' +
    '<h1>Destination reached</h1>' +
    `<p>The tracked link redirected here, to the page <code>${escapeText(slug)}</code>${query ? ` with the query <code>${escapeText(query)}</code>` : ''}.</p>` +
    '<p>The tracker recorded the click. Go back to the playground and refresh the side panel to see it.</p></body></html>'
  );
}
