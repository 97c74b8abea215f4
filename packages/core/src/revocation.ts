import {
  None,
  processRevocationResponse,
  revocationRequest,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import type { Transport } from './transport.js';

/**
 * Revokes tokens at the revocation endpoint (RFC 7009 section 2.1): each `[token, hint]` pair
 * (`refresh_token` or `access_token`). At Qlik, revoking the refresh token ends the whole grant;
 * the access and purpose tokens are revoked as well, for servers that do not cascade. All
 * requests go out at once so that one failing does not keep the others from being made; the
 * first failure is then thrown. A tenant without a revocation endpoint makes oauth4webapi throw,
 * which the caller reports like any other failure.
 */
export async function revokeTokens(
  as: AuthorizationServer,
  client: Client,
  transport: Transport,
  tokens: [token: string | undefined, hint: string][],
): Promise<void> {
  const results = await Promise.allSettled(
    tokens.map(
      async ([token, hint]) =>
        token &&
        processRevocationResponse(
          await revocationRequest(as, client, None(), token, {
            ...transport,
            additionalParameters: { token_type_hint: hint },
          }),
        ),
    ),
  );
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}
