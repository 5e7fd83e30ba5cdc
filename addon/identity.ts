/*
 * Identity of the signed-in sender and the check whether an open message is
 * theirs. The tracker decides ownership itself; this only chooses which facts to report.
 */

/** Returns the address in a From header such as `Sam Lee <sam@example.com>`, lower-cased; the whole value when it has no angle brackets. */
export function addressOf(header: string): string {
  const bracketed = /<([^<>]+)>\s*$/.exec(header);
  return (bracketed ? bracketed[1] : header).trim().toLowerCase();
}

/** Checks whether `fromHeader` names the signed-in sender; an unknown user email never matches. */
export function isSentBy(fromHeader: string, userEmail: string | null): boolean {
  if (!userEmail) return false;
  return addressOf(fromHeader) === userEmail.trim().toLowerCase();
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Decodes unpadded base64url to a UTF-8 string; null on a character outside the alphabet. */
function decodeBase64Url(text: string): string | null {
  let bits = 0;
  let value = 0;
  let binary = '';
  for (const char of text.replace(/=+$/, '')) {
    const index = B64URL.indexOf(char);
    if (index < 0) return null;
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      binary += String.fromCharCode((value >> bits) & 0xff);
    }
  }
  try {
    // escape() turns the bytes into %XX sequences that decodeURIComponent reads as UTF-8.
    return decodeURIComponent(escape(binary));
  } catch {
    return null;
  }
}

/**
 * Reads the `email` claim of an identity token without verifying it: the add-on
 * only uses it to tell its own messages apart, and the tracker verifies the
 * token on every request.
 */
export function emailFromIdentityToken(token: string | null): string | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  const json = decodeBase64Url(payload);
  if (json === null) return null;
  try {
    const claims = JSON.parse(json) as { email?: unknown };
    return typeof claims.email === 'string' ? claims.email : null;
  } catch {
    return null;
  }
}
