/**
 * The stable codes of {@link QlikAuthError}, by name, so an app can branch on `error.code`
 * without parsing messages.
 */
export interface QlikAuthErrorCodes {
  /** The options passed to `createQlikAuth` are unusable (bad host, missing client id, ...). */
  readonly INVALID_OPTIONS: 'invalid_options';
  /** The request never got an answer (offline, DNS, CORS, dropped connection, timeout). Retry. */
  readonly NETWORK_ERROR: 'network_error';
  /**
   * The tenant answered 5xx or 429: it could not serve the request now. Retry; `retryAfter`
   * says when, where the tenant said (Qlik Cloud's rate limits answer 429 with the seconds).
   */
  readonly SERVER_ERROR: 'server_error';
  /** The tenant answered something that is not a valid protocol response (HTML, empty, no token). */
  readonly INVALID_RESPONSE: 'invalid_response';
  /** The authorization code was rejected (RFC 6749 section 5.2 `invalid_grant`). */
  readonly INVALID_GRANT: 'invalid_grant';
  /** Any other 4xx from the token or revocation endpoint (`invalid_client`, a disabled user, ...). */
  readonly REQUEST_REJECTED: 'request_rejected';
  /** The authorization server redirected back with an error (RFC 6749 section 4.1.2.1). */
  readonly AUTHORIZATION_ERROR: 'authorization_error';
  /** The callback URL carries no `state`, or more than one (RFC 6749 section 10.12). */
  readonly STATE_MISMATCH: 'state_mismatch';
  /** No sign-in transaction for this `state`: forged, replayed, or started in another browser. */
  readonly TRANSACTION_NOT_FOUND: 'transaction_not_found';
  /** The sign-in transaction is older than 10 minutes. */
  readonly TRANSACTION_EXPIRED: 'transaction_expired';
  /** The configured storage failed or did not answer. */
  readonly STORAGE_UNAVAILABLE: 'storage_unavailable';
  /** There is no session: sign in first. */
  readonly NOT_SIGNED_IN: 'not_signed_in';
  /** The access token has expired and there is no refresh token to renew it with. */
  readonly TOKEN_EXPIRED: 'token_expired';
  /**
   * The tenant refused the refresh token for good (RFC 6749 section 5.2 `invalid_grant`, or 401:
   * expired, revoked, reused, or its user is gone). The session is over in every tab; sign in
   * again. `status`, `error` and `qlikErrors` are the tenant's answer.
   */
  readonly SESSION_EXPIRED: 'session_expired';
  /** The URL is not on the tenant, so it must never receive a token. */
  readonly UNTRUSTED_URL: 'untrusted_url';
  /** The operation is not available in this client or on this server. */
  readonly UNSUPPORTED: 'unsupported';
  /** The browser did not open the sign-in popup (a popup blocker, a sandboxed frame). */
  readonly POPUP_BLOCKED: 'popup_blocked';
  /** The user closed the sign-in popup before the sign-in finished. */
  readonly POPUP_CLOSED: 'popup_closed';
  /** No answer came in time (the sign-in popup was left open too long, a renewal frame stayed silent). */
  readonly TIMEOUT: 'timeout';
  /**
   * A re-authorization without the user (`prompt=none`) found no login session at the tenant: it
   * ended (signed out, timed out), or the browser withheld its cookie (third-party cookies in a
   * frame). An interactive sign-in (popup or redirect) can still renew the session.
   */
  readonly LOGIN_REQUIRED: 'login_required';
  /**
   * A re-authorization without the user could not be done in this browser: the tenant refused to
   * be framed, or wants the user for something (consent, choosing an account). An interactive
   * sign-in can still renew the session.
   */
  readonly INTERACTION_REQUIRED: 'interaction_required';
}

/** One of the {@link QlikAuthErrorCode} values. */
export type QlikAuthErrorCode = QlikAuthErrorCodes[keyof QlikAuthErrorCodes];

/**
 * Every failure the core reports is a {@link QlikAuthError} with one of these stable codes (see
 * {@link QlikAuthErrorCodes} for what each means); `QlikAuthErrorCode.SESSION_EXPIRED` is
 * `'session_expired'`. Built from the values, as each name is its value in upper case.
 */
// A pure function call, not a pure `Object.fromEntries(...)`: bundlers keep the arguments of a
// pure call (`split`, `map` might have effects), so an app that never reads this would pay for it.
export const QlikAuthErrorCode = /* @__PURE__ */ (() =>
  Object.fromEntries(
    (
      'invalid_options network_error server_error invalid_response invalid_grant ' +
      'request_rejected authorization_error state_mismatch transaction_not_found ' +
      'transaction_expired storage_unavailable not_signed_in token_expired session_expired ' +
      'untrusted_url unsupported popup_blocked popup_closed timeout login_required ' +
      'interaction_required'
    )
      .split(' ')
      .map((code) => [code.toUpperCase(), code]),
  ))() as unknown as QlikAuthErrorCodes;

/** One entry of the Qlik Cloud `{ errors: [...] }` body (`components.schemas.Error`). */
export interface QlikErrorEntry {
  /** Qlik's error code, e.g. `OAUTH-1`; stable, unlike the title. */
  code: string;
  /** A short summary for people. */
  title: string;
  /** More about this occurrence, when the tenant gave it. */
  detail?: string;
  /** The HTTP status, as a string (as Qlik sends it). */
  status?: string;
  /** Anything else the tenant attached to the entry. */
  meta?: Record<string, unknown>;
}

/** Optional facts a {@link QlikAuthError} carries; all are plain data, never a token. */
export interface QlikAuthErrorDetails {
  /** Whether the same call may succeed later (network, 5xx, 429). Default false. */
  retryable?: boolean;
  /** The HTTP status of the tenant's answer, where there was one. */
  status?: number;
  /**
   * Seconds the tenant asked to wait before trying again (a 429's or 503's `Retry-After`, or the
   * seconds its `errors[]` body names when the header cannot be read cross-origin).
   */
  retryAfter?: number;
  /** The parsed `errors[]` of the tenant's answer, where it had one. */
  qlikErrors?: QlikErrorEntry[];
  /** The `traceId` of the tenant's `errors[]` answer: what Qlik support asks for. */
  traceId?: string;
  /** RFC 6749 error name (`access_denied`, `invalid_grant`, ...) where the server sent one. */
  error?: string;
  /** `error_description` of an error redirect or RFC 6749 error body. */
  errorDescription?: string;
  /** Qlik's internal `error_code` of an error redirect. */
  errorCode?: string;
  /** Qlik's `error_detail` of an error redirect. */
  errorDetail?: string;
  /** The underlying failure (a `TypeError` from `fetch`, an oauth4webapi error, ...). */
  cause?: unknown;
}

/**
 * The one error class of the core. `code` is stable; `retryable` says whether trying the same
 * thing again later can succeed; `status` and `qlikErrors` are the tenant's HTTP status and
 * parsed `errors[]` body where there was one.
 */
export class QlikAuthError extends Error {
  // `declare`: set by Object.assign below, so absent facts are absent keys, not `undefined` ones.
  /** What went wrong, as a stable {@link QlikAuthErrorCode} value: branch on this. */
  declare readonly code: QlikAuthErrorCode;
  /** Whether trying the same thing again later can succeed (network, 5xx, 429). */
  declare readonly retryable: boolean;
  /** The HTTP status of the tenant's answer, where there was one. */
  declare readonly status?: number;
  /** Seconds the tenant asked to wait before trying again (rate limited, or unavailable). */
  declare readonly retryAfter?: number;
  /** The tenant's parsed `{ errors: [...] }` body, where it sent one. */
  declare readonly qlikErrors?: QlikErrorEntry[];
  /** The `traceId` of the tenant's `errors[]` answer, where it sent one: quote it to Qlik support. */
  declare readonly traceId?: string;
  /** RFC 6749 error name (`access_denied`, `invalid_grant`, ...) where the server sent one. */
  declare readonly error?: string;
  /** `error_description` of an error redirect or an RFC 6749 error body. */
  declare readonly errorDescription?: string;
  /** Qlik's internal `error_code` of an error redirect. */
  declare readonly errorCode?: string;
  /** Qlik's `error_detail` of an error redirect. */
  declare readonly errorDetail?: string;

  /**
   * Creates an error; the core throws these, applications seldom need to.
   * @param code - a {@link QlikAuthErrorCode} value
   * @param message - for people; branch on `code`, not on this
   * @param details - status, server errors and the cause
   */
  constructor(code: QlikAuthErrorCode, message: string, details: QlikAuthErrorDetails = {}) {
    const { cause, ...facts } = details;
    super(message, { cause });
    this.name = 'QlikAuthError';
    // `code` last: details copied from another error (its data, a renamed error) keep the new code.
    Object.assign(this, { retryable: false }, facts, { code });
  }
}

/** An error as plain data, for storage. Holds no token (nor the cause). */
export type QlikAuthErrorData = QlikAuthErrorDetails & {
  /** What went wrong, as a stable {@link QlikAuthErrorCode} value. */
  code: QlikAuthErrorCode;
  /** For people; branch on `code`. */
  message: string;
};
