import {
  genericTokenEndpointRequest,
  None,
  processGenericTokenEndpointResponse,
  type AuthorizationServer,
  type Client,
  type TokenEndpointResponse,
} from 'oauth4webapi';
import { classifyError } from './classify.js';
import type { Transport } from './transport.js';

/** Where a token response carries the tenant's clock at receipt, read from `Date` (epoch ms). */
export const TENANT_TIME = Symbol();

/** A validated token endpoint response, with the tenant's time when a `Date` header was readable. */
export type TokenResponse = TokenEndpointResponse & { [TENANT_TIME]?: number };

/** A token endpoint request for a grant type and its parameters, as an instance makes it. */
export type Grant = (
  grantType: string,
  parameters: Record<string, string>,
) => Promise<TokenResponse>;

/**
 * Creates the token endpoint requests of an instance, for every grant: authorization code (RFC
 * 6749 section 4.1.3), refresh (section 6) and token exchange (RFC 8693 section 2.1). As a
 * public client, the `client_id` goes in the body. The response is validated (RFC 6749 section
 * 5.1) and any failure classified as a {@link QlikAuthError}. One generic path for every grant
 * keeps oauth4webapi's OpenID Connect ID Token handling out of the bundle.
 * @see [RFC 6749 section 5](https://www.rfc-editor.org/rfc/rfc6749.html#section-5)
 */
export function createGrant(
  discover: () => Promise<AuthorizationServer>,
  client: Client,
  transport: Transport,
): Grant {
  return async (grantType, parameters) => {
    try {
      const as = await discover();
      const response = await genericTokenEndpointRequest(
        as,
        client,
        None(),
        grantType,
        parameters,
        transport,
      );
      // `Date` is no CORS-safelisted header: cross-origin it reads as null, and parses as NaN.
      const date = Date.parse(response.headers.get('date')!);
      const body: TokenResponse = await processGenericTokenEndpointResponse(as, client, response);
      body[TENANT_TIME] = date;
      return body;
    } catch (thrown) {
      throw await classifyError(thrown);
    }
  };
}
