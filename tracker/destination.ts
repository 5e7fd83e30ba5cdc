/*
 * Rules for link destinations: which URLs may be tracked, and how a signed
 * destination becomes a Location header.
 */

const MAX_DESTINATION_LENGTH = 4096;

export type DestinationCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Checks a destination as the author wrote it (already entity-decoded once).
 * Leading and trailing ASCII whitespace is dropped, as browsers do for href
 * values. Everything else is kept byte for byte, so the redirect reaches
 * exactly the URL the author wrote.
 */
export function checkDestination(raw: string): DestinationCheck {
  const url = raw.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  if (url.length === 0) return { ok: false, reason: 'the URL is empty' };
  if (url.length > MAX_DESTINATION_LENGTH) {
    return { ok: false, reason: `the URL is longer than ${MAX_DESTINATION_LENGTH} characters` };
  }
  // Control characters would let a destination inject headers or confuse parsers.
  if (/[\u0000-\u001f\u007f]/.test(url)) return { ok: false, reason: 'the URL contains control characters' };
  // A lone surrogate has no UTF-8 form, so the signed link could not carry it intact.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(url)) {
    return { ok: false, reason: 'the URL contains an unpaired surrogate character' };
  }
  if (!/^https?:\/\//i.test(url)) return { ok: false, reason: 'only absolute http:// and https:// URLs can be tracked' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'the URL cannot be parsed' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: 'only absolute http:// and https:// URLs can be tracked' };
  }
  if (!parsed.hostname) return { ok: false, reason: 'the URL has no host' };
  // Browsers read a backslash before the query as a slash, so "https:/\evil.example"
  // or "https://good.example\@evil.example" could reach a host other than the one
  // shown; such URLs are not tracked. "https:///host" is rejected for the same reason.
  if (url.split(/[?#]/)[0].includes('\\') || /^https?:\/\/\//i.test(url)) {
    return { ok: false, reason: 'the URL has a backslash or an extra slash before its host' };
  }
  return { ok: true, url };
}

/**
 * Turns a checked destination into an ASCII Location value: characters outside
 * printable ASCII are percent-encoded as UTF-8, everything else (existing
 * escapes, "+", brackets, quotes) is left as written. A non-ASCII host name
 * becomes its punycode form, which is what browsers send; the user info and
 * port around it stay as written.
 */
export function toLocationHeader(destination: string): string {
  let url = destination;
  const host = hostNameSpan(destination);
  if (/[^\u0000-\u007f]/.test(destination.slice(host.start, host.end))) {
    url = destination.slice(0, host.start) + new URL(destination).hostname + destination.slice(host.end);
  }
  let out = '';
  for (const char of url) {
    const code = char.codePointAt(0) as number;
    if (code > 0x20 && code < 0x7f) out += char;
    else out += encodeURIComponent(char);
  }
  return out;
}

/** Finds the host name of an absolute http(s) URL, without user info and port, as offsets into it. */
function hostNameSpan(url: string): { start: number; end: number } {
  const start = url.indexOf('//') + 2;
  let end = url.slice(start).search(/[/?#]/);
  end = end === -1 ? url.length : start + end;
  const at = url.lastIndexOf('@', end - 1);
  const hostStart = at >= start ? at + 1 : start;
  // A port follows the last ":" unless that colon is inside an IPv6 literal.
  const colon = url.lastIndexOf(':', end - 1);
  const hostEnd = colon >= hostStart && !url.slice(colon, end).includes(']') ? colon : end;
  return { start: hostStart, end: hostEnd };
}
