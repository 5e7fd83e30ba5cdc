import { createSign, generateKeyPairSync } from 'node:crypto';

/*
 * Identity tokens shaped like the ones ScriptApp.getIdentityToken() returns:
 * RS256 JWTs with Google's issuer, signed with a key the test generates, which the
 * tracker trusts through its development sign-in.
 */

/** Key id the tracker's development sign-in publishes its certificate under. */
export const DEV_KEY_ID = 'dev-signin';

export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function signIdentityToken(privateKeyPem: string, claims: { email: string; audience: string; nowSeconds?: number }): string {
  const iat = claims.nowSeconds ?? Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: DEV_KEY_ID };
  const payload = {
    iss: 'https://accounts.google.com',
    aud: claims.audience,
    azp: claims.audience,
    sub: `test-${claims.email}`,
    email: claims.email,
    email_verified: true,
    iat,
    exp: iat + 3600,
  };
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKeyPem).toString('base64url')}`;
}
