import { QlikAuthError, type QlikAuthErrorData } from './errors.js';
import { TENANT_TIME, type TokenResponse } from './token-endpoint.js';

/**
 * Who the session belongs to, as the tenant's `/api/v1/users/me` says, read once at sign-in:
 * Qlik Cloud's access tokens carry no identity (qlik.dev changelog, "OAuth tokens no longer
 * contain PII"), so none is decoded from them. Absent when that call failed or the scopes do not
 * allow it.
 */
export interface AuthUser {
  /** Qlik's user id. */
  id: string;
  /** The user's subject at the identity provider. */
  subject?: string;
  /** Qlik's tenant id. */
  tenantId?: string;
  /** The display name. */
  name?: string;
}

/** A signed-in session. It lives in memory and, sealed, in storage; never in the snapshot. */
export interface Session {
  accessToken: string;
  /** Stays inside the core: not in the snapshot, events or messages. */
  refreshToken?: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  /** Epoch milliseconds at which the token response arrived: with `expiresAt`, its lifetime. */
  issuedAt?: number;
  scopes: string[];
  user?: AuthUser;
  /**
   * Names the grant (one sign-in) the tokens belong to: random at sign-in, kept by every refresh
   * of it. Tokens derived from a grant (purpose tokens) are only good while it is the session's.
   */
  grant: string;
  /**
   * The tenant refused to renew this grant without the user (a silent re-authorization answered
   * `login_required`, or the frame was refused): it is not tried again, in any tab.
   */
  unrenewable?: true;
  /**
   * Until when the tenant asked for no token request (a 429's `Retry-After`, epoch milliseconds):
   * stored, so that every tab waits, not only the one that was told.
   */
  holdUntil?: number;
  /** Why `user` is missing: the tenant's `users/me` failed at sign-in. */
  userError?: QlikAuthErrorData;
}

/**
 * Builds a session from a checked token response (RFC 6749 section 5.1; also
 * the purpose tokens of RFC 8693 section 2.2.1, which have no refresh token), for a new grant.
 * `expiresAt` is on this machine's clock. `expires_in` (RFC 6749) needs no clock. Qlik Cloud
 * sends `expires_at` instead, an instant on the tenant's clock, which may be hours off this one:
 * read naively, a clock that runs ahead sees every token expired on arrival and refreshes in a
 * loop, and one that runs behind uses tokens the tenant has expired. So the tenant's time at
 * receipt is learned from the response (the access token's `iat`, else the `Date` header where
 * CORS lets it be read) and only the remaining lifetime is carried over to this clock.
 */
export function sessionFromTokenResponse(
  response: TokenResponse,
  now: number,
  requestedScopes: string[],
): Session {
  const claims = claimsOf(response.access_token);
  // `iat` counts whole seconds (RFC 7519 section 4.1.6) and `Date` too, stamped before the
  // response travelled: a few seconds of difference are noise, and the clocks taken to agree.
  // The `iat` wins whenever there is one, even when it agrees with this clock to the millisecond.
  const tenantNow = typeof claims.iat === 'number' ? claims.iat * 1000 : response[TENANT_TIME];
  const skew = tenantNow ? tenantNow - now : 0;
  const expiresAt =
    typeof response.expires_in === 'number'
      ? now + response.expires_in * 1000
      : Date.parse(response.expires_at as string) - (Math.abs(skew) > 5000 ? skew : 0);
  if (!Number.isFinite(expiresAt)) {
    throw new QlikAuthError('invalid_response', 'no expiry');
  }
  return {
    accessToken: response.access_token,
    ...(response.refresh_token && { refreshToken: response.refresh_token }),
    expiresAt,
    issuedAt: now,
    scopes: response.scope ? response.scope.split(' ').filter(Boolean) : [...requestedScopes],
    grant: crypto.randomUUID(),
  };
}

/** The claims of a JWT, decoded as UTF-8 (RFC 7519 section 7.2); none for an opaque token. */
function claimsOf(token: string): Record<string, unknown> {
  try {
    const payload = atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    return (
      JSON.parse(
        new TextDecoder().decode(Uint8Array.from(payload, (char) => char.charCodeAt(0))),
      ) || {}
    );
  } catch {
    return {};
  }
}

/** True when a stored value has the shape of a {@link Session}; anything else is discarded. */
export function isSession(value: unknown): value is Session {
  const session = value as Session | undefined;
  return (
    typeof session?.accessToken === 'string' &&
    typeof session.expiresAt === 'number' &&
    Array.isArray(session.scopes) &&
    typeof session.grant === 'string' &&
    (session.refreshToken === undefined || typeof session.refreshToken === 'string')
  );
}
