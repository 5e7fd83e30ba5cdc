import { OAuth2Client } from 'google-auth-library';
import { CertificateFormat, type FederatedSignonCertsResponse } from 'google-auth-library/build/src/auth/oauth2client';
import type { Config } from '../config';
import { devCertificates, loadOrCreateDevKey } from './devSignin';

/** The signed-in sender, taken from a verified identity token. */
export interface Sender {
  /** Lower-cased email address. */
  email: string;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface IdTokenVerifier {
  verify(idToken: string): Promise<Sender>;
}

/**
 * An OAuth2Client whose signing certificates come from the development key
 * instead of Google's endpoint; verifyIdToken is otherwise Google's own code.
 */
class DevCertsClient extends OAuth2Client {
  constructor(private readonly certs: Record<string, string>) {
    super();
  }

  override async getFederatedSignonCertsAsync(): Promise<FederatedSignonCertsResponse> {
    return { certs: this.certs, format: CertificateFormat.PEM };
  }
}

/** Builds the verifier for the configured profile. */
export function createVerifier(config: Config): IdTokenVerifier {
  const client = config.devSigninKeyFile
    ? new DevCertsClient(devCertificates(loadOrCreateDevKey(config.devSigninKeyFile)))
    : new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: config.idTokenCertsUrl } });

  return {
    async verify(idToken: string): Promise<Sender> {
      let payload;
      try {
        const ticket = await client.verifyIdToken({ idToken, audience: config.idTokenAudience });
        payload = ticket.getPayload();
      } catch (error) {
        // The library's messages name the failed check before a colon and may append the
        // token or its payload after it; only the check's name is kept, so no token is logged.
        throw new AuthError(`identity token rejected: ${(error as Error).message.split(':')[0]}`);
      }
      if (!payload?.email) throw new AuthError('identity token has no email claim; the add-on needs the userinfo.email scope');
      if (payload.email_verified === false) throw new AuthError('identity token email is not verified');
      return { email: payload.email.toLowerCase() };
    },
  };
}
