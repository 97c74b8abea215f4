/** The records a tenant holds, and the answers it gives from them. */

export type Purpose = 'websocket' | 'webresource';

/** What an issued access token stands for. */
export interface AccessTokenRecord {
  jti: string;
  userId?: string;
  clientId: string;
  scope: string;
  purpose?: Purpose;
  familyId?: string;
  expiresAt: number;
}

/**
 * One live grant: the tokens that descend from one sign-in or impersonation. A grant is held
 * until it is revoked or the last token issued from it expires (`endsAt`), and not a moment
 * longer: its refresh tokens are sealed (refresh-token.ts), so however often
 * they rotate, the grant is this one record.
 */
export interface Family {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  /** How the grant began: a user's sign-in in a browser, or a machine-to-machine grant. */
  flow: 'browser' | 'm2m';
  /** The current refresh token's place in the rotation; every older one is rotated out. */
  generation: number;
  /** When the current refresh token expires; absent for a grant without refresh tokens. */
  refreshExpiresAt?: number;
  /** When the previous refresh token was rotated out, for the reuse grace period. */
  rotatedAt?: number;
  /** When the last token issued from the grant expires: the grant ends then. */
  endsAt: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  userId: string;
  authTime: number;
  expiresAt: number;
  used: boolean;
  familyId?: string;
}

/** How many records of each kind a tenant holds (for tests and benchmarks). */
export interface HeldRecords {
  pendingSignIns: number;
  loginSessions: number;
  codes: number;
  grants: number;
  accessTokens: number;
  /** Rate limit windows that have not ended (one per tier and user or client). */
  rateLimitWindows: number;
}

/**
 * The tenant's login session: the browser's sign-in at the tenant (the emulator's own cookie),
 * which `prompt=none` relies on. It ends after its inactivity timeout or its maximum duration,
 * both fixed when it starts.
 */
export interface LoginSession {
  id: string;
  userId: string;
  /** When the user signed in; the maximum duration counts from here. */
  authTime: number;
  /** When the session was last used at the tenant; the inactivity timeout counts from here. */
  lastActiveAt: number;
  inactivityTimeoutMs: number;
  maxDurationMs: number;
  consented: Set<string>;
}

/** A validated authorization request waiting for the login page. */
export interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  prompt?: string;
  loginHint?: string;
  /** Shown as a consent page to an already signed-in user, not as a login page. */
  consentOnly?: boolean;
  expiresAt: number;
}

/** What a successful grant returns, as the `oauth-token-response` schema. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_at?: string;
  expires_in?: number;
  scope: string;
  refresh_token?: string;
  issued_token_type?: string;
  auth_time?: number;
}

/**
 * At most this many sign-in transactions wait for the login page at once; the oldest gives way.
 * Each `GET /oauth/authorize` that shows the page adds one, so without a bound any page could
 * grow the emulator's memory without end.
 */
export const MAX_PENDING_AUTHORIZATIONS = 1000;

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
