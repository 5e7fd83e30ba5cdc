import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/*
 * The development sign-in: identity tokens shaped like Google's (RS256, issuer
 * accounts.google.com) but signed with a locally generated key. The tracker
 * verifies them with the same google-auth-library code as Google's tokens; only
 * the certificate source differs. Never enabled in the production profile.
 */

export const DEV_KEY_ID = 'dev-signin';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** Reads the PEM private key at `path`, generating a 2048-bit RSA key there on first use. */
export function loadOrCreateDevKey(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(dirname(path), { recursive: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(path, pem, { mode: 0o600 });
  return pem;
}

/** The certificate map google-auth-library expects: key id to PEM public key. */
export function devCertificates(privateKeyPem: string): Record<string, string> {
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  return { [DEV_KEY_ID]: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface DevTokenClaims {
  email: string;
  audience: string;
  /** Seconds since the epoch; defaults to now. */
  issuedAt?: number;
  lifetimeSeconds?: number;
  issuer?: string;
  keyId?: string;
  emailVerified?: boolean;
}

/** Signs an identity token the development sign-in accepts (tests and local runs). */
export function signDevIdToken(privateKeyPem: string, claims: DevTokenClaims): string {
  const iat = claims.issuedAt ?? Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: claims.keyId ?? DEV_KEY_ID };
  const payload = {
    iss: claims.issuer ?? GOOGLE_ISSUER,
    aud: claims.audience,
    azp: claims.audience,
    sub: `dev-${claims.email}`,
    email: claims.email,
    email_verified: claims.emailVerified ?? true,
    iat,
    exp: iat + (claims.lifetimeSeconds ?? 3600),
    jti: randomUUID(),
  };
  const signingInput = `${base64Json(header)}.${base64Json(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKeyPem).toString('base64url');
  return `${signingInput}.${signature}`;
}

function base64Json(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
