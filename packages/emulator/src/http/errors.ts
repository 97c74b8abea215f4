/**
 * The Qlik Cloud error body, `{ errors: [{ code, title, detail, status }] }`, and the error
 * catalogue the emulator answers with. `meta.error` carries the RFC 6749 error name so a client
 * can classify a failure without parsing prose.
 */

/** One entry of the Qlik `errors[]` array (see `components.schemas.Error` in the OpenAPI). */
export interface QlikErrorEntry {
  code: string;
  title: string;
  detail?: string;
  status?: string;
  meta?: Record<string, unknown>;
}

/** The Qlik `Errors` body, with the `traceId` Qlik Cloud adds beside `errors`. */
export interface QlikErrorBody {
  errors: QlikErrorEntry[];
  traceId?: string;
}

/**
 * RFC 6749 / OpenID error names the emulator uses, with the `code` its error bodies carry.
 *
 * Qlik Cloud publishes no catalogue of its OAuth error codes. Where a real Qlik answer shows one,
 * the emulator uses it; everywhere else it uses a code of its own that says so (`EMULATOR-...`),
 * never an `OAUTH-n` number Qlik might give another meaning. The table (code, meaning, source)
 * is in the package README, "Error codes".
 *
 * - `OAUTH-14` "Invalid client_id": Qlik Cloud's answer to an authorization request from a client
 *   it does not know, a 400 with `{"errors":[{"title":"Invalid client_id","detail":"OAuth client
 *   is not authorized","code":"OAUTH-14","status":"400"}],"traceId":"..."}`, as reported in
 *   https://github.com/qlik-oss/nebula.js/issues/1450. Used for the authorization endpoint's
 *   unknown or missing `client_id` (the `unknown_client` entry).
 */
export const OAUTH_ERRORS = {
  invalid_request: { code: 'EMULATOR-INVALID_REQUEST', title: 'Invalid request' },
  invalid_client: { code: 'EMULATOR-INVALID_CLIENT', title: 'Invalid client' },
  unknown_client: { code: 'OAUTH-14', title: 'Invalid client_id' },
  invalid_grant: { code: 'EMULATOR-INVALID_GRANT', title: 'Invalid grant' },
  unauthorized_client: { code: 'EMULATOR-UNAUTHORIZED_CLIENT', title: 'Unauthorized client' },
  unsupported_grant_type: {
    code: 'EMULATOR-UNSUPPORTED_GRANT_TYPE',
    title: 'Unsupported grant type',
  },
  invalid_scope: { code: 'EMULATOR-INVALID_SCOPE', title: 'Invalid scope' },
  access_denied: { code: 'EMULATOR-ACCESS_DENIED', title: 'Access denied' },
  unsupported_response_type: {
    code: 'EMULATOR-UNSUPPORTED_RESPONSE_TYPE',
    title: 'Unsupported response type',
  },
  login_required: { code: 'EMULATOR-LOGIN_REQUIRED', title: 'Login required' },
  consent_required: { code: 'EMULATOR-CONSENT_REQUIRED', title: 'Consent required' },
  server_error: { code: 'EMULATOR-SERVER_ERROR', title: 'Server error' },
  temporarily_unavailable: {
    code: 'EMULATOR-TEMPORARILY_UNAVAILABLE',
    title: 'Temporarily unavailable',
  },
  user_disabled: { code: 'EMULATOR-USER_DISABLED', title: 'User disabled' },
  too_many_tokens: { code: 'EMULATOR-TOO_MANY_TOKENS', title: 'Too many tokens' },
} as const;

export type OAuthErrorName = keyof typeof OAUTH_ERRORS;

/**
 * RFC 6749 error name reported for an entry: the two refusals of a user map to access_denied, and
 * an unknown client at the authorization endpoint is RFC 6749's invalid_request there (section
 * 4.1.2.1: a missing, invalid or mismatching client identifier is shown, never redirected).
 */
export function rfcErrorName(name: OAuthErrorName): string {
  if (name === 'unknown_client') return 'invalid_request';
  return name === 'user_disabled' || name === 'too_many_tokens' ? 'access_denied' : name;
}

/**
 * A trace id for an error body. Qlik Cloud's error bodies carry a top-level `traceId` beside
 * `errors` (the body quoted above; the users API's published example
 * `{"errors":[{"code":"USERS-7","status":404,"title":"Not found"}],"traceId":"000000000000000079cf1ebeae103de1"}`
 * in qlik-oss/qlik-api-ts, users.d.ts): 32 hex digits, the first 16 zero in both examples.
 */
export function traceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return '0'.repeat(16) + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An error the request handlers throw; the server turns it into a response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly entry: QlikErrorEntry,
  ) {
    super(entry.detail ?? entry.title);
  }

  get body(): QlikErrorBody {
    return { errors: [{ ...this.entry, status: String(this.status) }], traceId: traceId() };
  }
}

/** An OAuth protocol failure with its HTTP status. */
export function oauthError(status: number, name: OAuthErrorName, detail: string): HttpError {
  const { code, title } = OAUTH_ERRORS[name];
  return new HttpError(status, { code, title, detail, meta: { error: rfcErrorName(name) } });
}

/**
 * A token whose scopes do not allow an API (qlik.dev "OAuth Scopes",
 * https://qlik.dev/authenticate/oauth/scopes: scopes limit what a token may do). Qlik Cloud's
 * code and body for this refusal are not published: the code is the emulator's own.
 */
export function insufficientScope(detail: string): HttpError {
  return new HttpError(403, {
    code: 'EMULATOR-INSUFFICIENT_SCOPE',
    title: 'Forbidden',
    detail,
    meta: { error: 'insufficient_scope' },
  });
}

/** A non-OAuth API failure (`/api/v1`, control API, unknown paths). */
export function apiError(status: number, code: string, title: string, detail?: string): HttpError {
  return new HttpError(status, detail === undefined ? { code, title } : { code, title, detail });
}
