import {
  genericTokenEndpointRequest,
  None,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import { classifyError } from './classify.js';
import { QlikAuthError } from './errors.js';
import { sleep } from './time-limit.js';
import type { Transport } from './transport.js';

/** Where a token response carries the tenant's clock at receipt, read from `Date` (epoch ms). */
export const TENANT_TIME = Symbol();

/**
 * A successful token endpoint response (RFC 6749 section 5.1; RFC 8693 section 2.2.1 for the
 * exchange), checked, with the tenant's time when a `Date` header was readable. `expires_at` is
 * Qlik Cloud's own field (an ISO instant on the tenant's clock), read by the session.
 */
export interface TokenResponse {
  readonly access_token: string;
  /** Always `'bearer'`, lower-cased: any other type is refused. */
  readonly token_type: 'bearer';
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly scope?: string;
  readonly [parameter: string]: unknown;
  [TENANT_TIME]?: number;
}

/** A token endpoint request for a grant type and its parameters, as an instance makes it. */
export type Grant = (
  grantType: string,
  parameters: Record<string, string>,
) => Promise<TokenResponse>;

/**
 * Until when (epoch milliseconds) the tenant asked an instance to send no token request: a 429's
 * `Retry-After`. Shared by every grant of the instance, and through storage by every tab.
 */
export interface Hold {
  until: number;
}

/** The longest a sign-in's code exchange waits for a rate limit to pass, rather than fail. */
const CODE_WAIT_MS = 30_000;

/** Whether a field of the body is absent, or present with the given `typeof`. */
const optional = (value: unknown, type: string) => value === undefined || typeof value === type;

/**
 * Checks a token endpoint response (RFC 6749 section 5.1) and returns its body. Anything but a
 * 200 goes to {@link classifyError} with the unread response, which reads an RFC 6749 section 5.2
 * `{ error }` body or Qlik's `{ errors: [...] }` body and classifies by status (5xx and 429
 * retryable). At 200, a body that is not JSON is an `invalid_response` with the status; one of the
 * wrong shape is an `invalid_response` that names the field but never quotes the body, which may
 * hold the very tokens we protect.
 *
 * Why not oauth4webapi's `processGenericTokenEndpointResponse`, which does the same: it also
 * validates OpenID Connect ID tokens (JWT claims, `auth_time`, `azp`) and parses
 * `WWW-Authenticate` challenges, code that is bundled whether or not it ever runs: with
 * oauth4webapi 3.8 it is 6 kB of a typical app's minified bundle, about 1.8 kB gzipped, and this
 * check instead took the app from 13.15 kB to 11.65 kB min+gzip (size-limit). Qlik Cloud is OAuth, not OpenID Connect: its token responses carry no ID token. An
 * `id_token` in a response is therefore ignored (left out of the result, never read): nothing
 * here uses one, so nothing could be misled by an unvalidated one, and refusing it would break a
 * server that adds one for other clients. Every other step stays oauth4webapi's.
 * @see [RFC 6749 section 5](https://www.rfc-editor.org/rfc/rfc6749.html#section-5)
 */
export async function checkTokenResponse(response: Response): Promise<TokenResponse> {
  // A failure carrying the response as its `cause` is what classifyError reads the status from.
  const unusable = (reason: string) =>
    new Error(`the token endpoint answered ${reason}`, { cause: response });
  if (response.status !== 200) throw unusable(`HTTP ${response.status}`);
  let body: Record<string, unknown>;
  try {
    body = await response.json();
  } catch {
    // An HTML page from a proxy or captive portal, an empty or cut-off body.
    throw unusable('no JSON');
  }
  const field = (name: string, valid: unknown) => {
    if (!valid)
      throw new QlikAuthError('invalid_response', `invalid ${name} in the token response`);
  };
  field('body', body && typeof body === 'object' && !Array.isArray(body));
  const { access_token, token_type, expires_in } = body;
  field('access_token', typeof access_token === 'string' && access_token);
  // RFC 6749 section 7.1: the type is case-insensitive; only bearer tokens are ever sent.
  field('token_type', typeof token_type === 'string' && token_type.toLowerCase() === 'bearer');
  // `Number.isFinite` is false for anything but a number: a string "3600" is refused too.
  field(
    'expires_in',
    expires_in === undefined || (Number.isFinite(expires_in) && (expires_in as number) >= 0),
  );
  field('refresh_token', optional(body.refresh_token, 'string'));
  field('scope', optional(body.scope, 'string'));
  delete body.id_token;
  body.token_type = 'bearer';
  return body as TokenResponse;
}

/**
 * Creates the token endpoint requests of an instance, for every grant: authorization code (RFC
 * 6749 section 4.1.3), refresh (section 6) and token exchange (RFC 8693 section 2.1). As a
 * public client, the `client_id` goes in the body. The request is oauth4webapi's; the response is
 * checked by {@link checkTokenResponse} and any failure classified as a {@link QlikAuthError}.
 *
 * A rate limit is waited out: after a 429 with `Retry-After` (Qlik Cloud allows 100 token
 * requests a minute per user: qlik.dev, "Rate limiting"), no request goes out before the time it
 * names; a call meanwhile fails at once, retryable, with the seconds left. Only an authorization
 * code, which is single-use and short-lived, is worth waiting for (up to 30 s, once, after its own
 * 429): losing it would send the user back to the login page.
 * @see [RFC 6749 section 5](https://www.rfc-editor.org/rfc/rfc6749.html#section-5)
 * @see [RFC 6585 section 4](https://www.rfc-editor.org/rfc/rfc6585.html#section-4) (429)
 */
export function createGrant(
  discover: () => Promise<AuthorizationServer>,
  client: Client,
  transport: Transport,
  now: () => number,
  hold: Hold,
): Grant {
  return async function grant(grantType, parameters, waited?: boolean): Promise<TokenResponse> {
    const wait = Math.ceil((hold.until - now()) / 1000);
    if (wait > 0 && !waited) {
      throw new QlikAuthError('server_error', 'rate limited', {
        retryable: true,
        retryAfter: wait,
      });
    }
    try {
      const response = await genericTokenEndpointRequest(
        await discover(),
        client,
        None(),
        grantType,
        parameters,
        transport,
      );
      // `Date` is no CORS-safelisted header: cross-origin it reads as null, and parses as NaN.
      const date = Date.parse(response.headers.get('date')!);
      const body = await checkTokenResponse(response);
      body[TENANT_TIME] = date;
      return body;
    } catch (thrown) {
      const error = await classifyError(thrown);
      const ms = error.retryAfter! * 1000;
      if (ms >= 0) hold.until = now() + ms;
      if (waited || grantType !== 'authorization_code' || !(ms <= CODE_WAIT_MS)) throw error;
      await sleep(ms);
      return grant(grantType, parameters, true);
    }
  };
}
