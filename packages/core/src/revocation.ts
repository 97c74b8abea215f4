import { None, revocationRequest, type AuthorizationServer, type Client } from 'oauth4webapi';
import { classifyError } from './classify.js';
import { sleep } from './time-limit.js';
import type { Transport } from './transport.js';

/**
 * Revokes tokens at the revocation endpoint (RFC 7009 section 2.1): each `[token, hint]` pair
 * (`refresh_token` or `access_token`). At Qlik, revoking the refresh token ends the whole grant;
 * the access and purpose tokens are revoked as well, for servers that do not cascade. All
 * requests go out at once so that one failing does not keep the others from being made; the
 * first failure is then thrown, classified. A tenant without a revocation endpoint makes
 * oauth4webapi throw, which the caller reports like any other failure. A rate-limited revocation
 * (Qlik Cloud allows 100 a minute per user: qlik.dev, "Rate limiting") is sent once more after the
 * wait it names, up to 30 s: a token left unrevoked stays usable until it expires.
 */
export async function revokeTokens(
  as: AuthorizationServer,
  client: Client,
  transport: Transport,
  tokens: [token: string | undefined, hint: string][],
): Promise<void> {
  const revoke = async (token: string, hint: string, again?: boolean): Promise<void> => {
    try {
      const response = await revocationRequest(as, client, None(), token, {
        ...transport,
        additionalParameters: { token_type_hint: hint },
      });
      // RFC 7009 section 2.2: 200 is success, whatever the body. Anything else goes to
      // classifyError unread, which reads an RFC 6749 error or Qlik's errors body. Not
      // oauth4webapi's processRevocationResponse, which does the same and parses WWW-Authenticate
      // challenges: with it, a typical app's bundle carried 2.2 kB of oauth4webapi (minified,
      // about 0.6 kB min+gzip) that nothing here uses.
      if (response.status !== 200) throw Error('revocation failed', { cause: response });
    } catch (thrown) {
      const error = await classifyError(thrown);
      if (again || !(error.retryAfter! <= 30)) throw error;
      await sleep(error.retryAfter! * 1000);
      return revoke(token, hint, true);
    }
  };
  const results = await Promise.allSettled(
    tokens.map(([token, hint]) => token && revoke(token, hint)),
  );
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}
