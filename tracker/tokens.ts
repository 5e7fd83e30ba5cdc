import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isTokenShaped } from '../shared/urls';

/*
 * Message tokens and link signatures, both keyed by the server's signing secret.
 * A token is 16 random bytes followed by an 8-byte HMAC tag of them, so the pixel
 * route tells a token we issued from a made-up one without touching the store.
 * A link signature is an HMAC over the token and the exact destination string, so
 * the redirect route never needs the store and never follows an unsigned URL.
 */

const TOKEN_RANDOM_BYTES = 16;
const TOKEN_TAG_BYTES = 8;
const LINK_SIGNATURE_BYTES = 16;

function hmac(secret: string, purpose: string, data: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(purpose).update('\0').update(data).digest();
}

export function issueToken(secret: string): string {
  const random = randomBytes(TOKEN_RANDOM_BYTES);
  const tag = hmac(secret, 'token', random).subarray(0, TOKEN_TAG_BYTES);
  return Buffer.concat([random, tag]).toString('base64url');
}

/** True when `token` was issued under `secret`; constant time in the tag. */
export function verifyToken(secret: string, token: string): boolean {
  if (!isTokenShaped(token)) return false;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== TOKEN_RANDOM_BYTES + TOKEN_TAG_BYTES) return false;
  const random = bytes.subarray(0, TOKEN_RANDOM_BYTES);
  const expected = hmac(secret, 'token', random).subarray(0, TOKEN_TAG_BYTES);
  return timingSafeEqual(expected, bytes.subarray(TOKEN_RANDOM_BYTES));
}

export function signLink(secret: string, token: string, destination: string): string {
  return hmac(secret, `link\0${token}`, destination).subarray(0, LINK_SIGNATURE_BYTES).toString('base64url');
}

export function verifyLinkSignature(secret: string, token: string, destination: string, signature: string): boolean {
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== LINK_SIGNATURE_BYTES || given.toString('base64url') !== signature) return false;
  const expected = hmac(secret, `link\0${token}`, destination).subarray(0, LINK_SIGNATURE_BYTES);
  return timingSafeEqual(expected, given);
}
