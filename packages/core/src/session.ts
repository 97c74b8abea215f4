import type { TokenEndpointResponse } from 'oauth4webapi';
import { QlikAuthError } from './errors.js';

/** Who the session belongs to, as the access token says (display only: not verified here). */
export interface AuthUser {
  /** The `sub` claim: the user's subject at the identity provider. */
  subject: string;
  /** Qlik's user id (`userId` claim), where present. */
  id?: string;
  /** Qlik's tenant id (`tenantId` claim), where present. */
  tenantId?: string;
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
}

/**
 * Builds a session from a token response processed by oauth4webapi (RFC 6749 section 5.1; also
 * the purpose tokens of RFC 8693 section 2.2.1, which have no refresh token).
 * Qlik Cloud sends `expires_at` (an ISO date) instead of RFC 6749's `expires_in`; when a server
 * sends both, `expires_in` wins because it does not depend on the two clocks agreeing.
 */
export function sessionFromTokenResponse(
  response: TokenEndpointResponse,
  now: number,
  requestedScopes: string[],
): Session {
  const expiresAt =
    typeof response.expires_in === 'number'
      ? now + response.expires_in * 1000
      : typeof response.expires_at === 'string'
        ? Date.parse(response.expires_at)
        : NaN;
  if (!Number.isFinite(expiresAt)) {
    throw new QlikAuthError('invalid_response', 'no expiry');
  }
  const user = userFromAccessToken(response.access_token);
  return {
    accessToken: response.access_token,
    ...(response.refresh_token && { refreshToken: response.refresh_token }),
    expiresAt,
    issuedAt: now,
    scopes: response.scope ? response.scope.split(' ').filter(Boolean) : [...requestedScopes],
    ...(user && { user }),
  };
}

/** Reads the user claims of a JWT access token; opaque tokens simply have no user. */
function userFromAccessToken(token: string): AuthUser | undefined {
  try {
    const payload = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as Record<string, unknown>;
    if (typeof claims.sub !== 'string') return undefined;
    const user: AuthUser = { subject: claims.sub };
    if (typeof claims.userId === 'string') user.id = claims.userId;
    if (typeof claims.tenantId === 'string') user.tenantId = claims.tenantId;
    return user;
  } catch {
    return undefined;
  }
}

/** True when a stored value has the shape of a {@link Session}; anything else is discarded. */
export function isSession(value: unknown): value is Session {
  const session = value as Session | undefined;
  return (
    typeof session?.accessToken === 'string' &&
    typeof session.expiresAt === 'number' &&
    Array.isArray(session.scopes) &&
    (session.refreshToken === undefined || typeof session.refreshToken === 'string')
  );
}
