/**
 * URL formats of the tracker, shared by the tracker (which serves them) and the
 * add-on (which finds them in message bodies). A base URL always ends with "/",
 * because the tracker may be mounted under a path.
 *
 *   pixel:        <base>o/<token>.gif
 *   tracked link: <base>l/<token>/<signature>/<destination as base64url>
 */

/** Message tokens: 32 base64url characters (24 bytes: 16 random, 8 of HMAC tag). */
export const TOKEN_PATTERN = '[A-Za-z0-9_-]{32}';
const TOKEN_RE = new RegExp(`^${TOKEN_PATTERN}$`);

export function isTokenShaped(value: string): boolean {
  return TOKEN_RE.test(value);
}

/** Returns `base` with exactly one trailing slash. */
export function normaliseBaseUrl(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

export function pixelUrl(base: string, token: string): string {
  return `${normaliseBaseUrl(base)}o/${token}.gif`;
}

export function pixelHtml(base: string, token: string): string {
  // The CSS height of 0 keeps the surrounding layout pixel for pixel as it was
  // (a 1px block would push the message down a line of pixels); browsers load
  // the image all the same. Clients that ignore CSS, like Outlook's Word engine,
  // fall back to the 1x1 attributes. The empty alt keeps clients that block
  // images from showing a broken-image label.
  return `<img src="${pixelUrl(base, token)}" width="1" height="1" alt="" style="display:block;width:1px;height:0;border:0" />`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds the tokens of every pixel of this tracker in an HTML body, in order of
 * appearance and without repeats. A reply quoting a tracked message contains the
 * quoted pixel too, so callers decide which one is the message's own.
 */
export function findPixelTokens(html: string, base: string): string[] {
  const prefix = escapeRegExp(normaliseBaseUrl(base));
  const re = new RegExp(`${prefix}o/(${TOKEN_PATTERN})\\.gif`, 'g');
  const tokens: string[] = [];
  for (const match of html.matchAll(re)) {
    if (!tokens.includes(match[1])) tokens.push(match[1]);
  }
  return tokens;
}

/** True when `url` is a tracked link of the tracker at `base`. */
export function isTrackedLinkUrl(url: string, base: string): boolean {
  return url.startsWith(`${normaliseBaseUrl(base)}l/`);
}

export function trackedLinkUrl(base: string, token: string, signature: string, destination: string): string {
  return `${normaliseBaseUrl(base)}l/${token}/${signature}/${base64UrlEncodeUtf8(destination)}`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Encodes a string's UTF-8 bytes as unpadded base64url. Written out by hand
 * because Apps Script has neither Buffer nor btoa.
 */
export function base64UrlEncodeUtf8(text: string): string {
  const bytes = utf8Bytes(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += B64[n & 63];
  }
  return out;
}

function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}
