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

/** The Qlik `Errors` body. */
export interface QlikErrorBody {
  errors: QlikErrorEntry[];
}

/** RFC 6749 / OpenID error names the emulator uses, with their stable Qlik-style codes. */
export const OAUTH_ERRORS = {
  invalid_request: { code: 'OAUTH-1', title: 'Invalid request' },
  invalid_client: { code: 'OAUTH-2', title: 'Invalid client' },
  invalid_grant: { code: 'OAUTH-3', title: 'Invalid grant' },
  unauthorized_client: { code: 'OAUTH-4', title: 'Unauthorized client' },
  unsupported_grant_type: { code: 'OAUTH-5', title: 'Unsupported grant type' },
  invalid_scope: { code: 'OAUTH-6', title: 'Invalid scope' },
  access_denied: { code: 'OAUTH-7', title: 'Access denied' },
  unsupported_response_type: { code: 'OAUTH-8', title: 'Unsupported response type' },
  login_required: { code: 'OAUTH-9', title: 'Login required' },
  consent_required: { code: 'OAUTH-10', title: 'Consent required' },
  server_error: { code: 'OAUTH-11', title: 'Server error' },
  temporarily_unavailable: { code: 'OAUTH-12', title: 'Temporarily unavailable' },
  user_disabled: { code: 'OAUTH-13', title: 'User disabled' },
  too_many_tokens: { code: 'OAUTH-14', title: 'Too many tokens' },
} as const;

export type OAuthErrorName = keyof typeof OAUTH_ERRORS;

/** RFC 6749 error name reported for an entry; the two Qlik-only ones map to access_denied. */
export function rfcErrorName(name: OAuthErrorName): string {
  return name === 'user_disabled' || name === 'too_many_tokens' ? 'access_denied' : name;
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
    return { errors: [{ ...this.entry, status: String(this.status) }] };
  }
}

/** An OAuth protocol failure with its HTTP status. */
export function oauthError(status: number, name: OAuthErrorName, detail: string): HttpError {
  const { code, title } = OAUTH_ERRORS[name];
  return new HttpError(status, { code, title, detail, meta: { error: rfcErrorName(name) } });
}

/** A non-OAuth API failure (`/api/v1`, control API, unknown paths). */
export function apiError(status: number, code: string, title: string, detail?: string): HttpError {
  return new HttpError(status, detail === undefined ? { code, title } : { code, title, detail });
}
