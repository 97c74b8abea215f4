import {
  None,
  processRevocationResponse,
  revocationRequest,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import type { Session } from './session.js';
import type { Transport } from './transport.js';

/**
 * Revokes a session's tokens at the revocation endpoint (RFC 7009 section 2.1). At Qlik, revoking
 * the refresh token ends the whole grant; the access token is revoked as well, for servers that
 * do not cascade. Both requests go out at once so that one failing does not keep the other from
 * being made; the first failure is then thrown. A tenant without a revocation endpoint makes
 * oauth4webapi throw, which the caller reports like any other failure.
 */
export async function revokeTokens(
  as: AuthorizationServer,
  client: Client,
  transport: Transport,
  session: Session,
): Promise<void> {
  const revoke = async (token: string | undefined, hint: string) =>
    token &&
    processRevocationResponse(
      await revocationRequest(as, client, None(), token, {
        ...transport,
        additionalParameters: { token_type_hint: hint },
      }),
    );
  const results = await Promise.allSettled([
    revoke(session.refreshToken, 'refresh_token'),
    revoke(session.accessToken, 'access_token'),
  ]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}
