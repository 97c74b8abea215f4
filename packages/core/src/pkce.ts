import {
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomState,
  type AuthorizationServer,
} from 'oauth4webapi';

/** Parameters of an authorization request beyond the PKCE pair and `state`. */
export interface AuthorizationParameters {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  prompt?: 'none' | 'login';
  loginHint?: string;
  maxAge?: number;
  /** The response goes to a popup, which hands it to its opener (see {@link POPUP_STATE}). */
  popup?: boolean;
}

/**
 * Ends the `state` of a sign-in started by `signInWithPopup`: the redirect URI page, loaded in
 * the popup, knows from it to hand the response to the window that opened it (whose storage
 * holds the transaction: in a third-party iframe, storage is partitioned) instead of exchanging
 * the code itself. It marks, it does not authorize: the opener still checks the whole state.
 */
export const POPUP_STATE = '.popup';

/** An authorization request ready to navigate to, and the secrets its callback will need. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  codeVerifier: string;
}

/**
 * Builds the authorization code request (RFC 6749 section 4.1.1) with PKCE S256 (RFC 7636
 * section 4.2) and a fresh unguessable `state` bound to this browser (RFC 6749 section 10.12).
 */
export async function createAuthorizationRequest(
  as: AuthorizationServer,
  params: AuthorizationParameters,
): Promise<AuthorizationRequest> {
  // On the tenant (discovery checked); a missing one throws, as invalid_response.
  const endpoint = new URL(as.authorization_endpoint!);
  const codeVerifier = generateRandomCodeVerifier();
  const state = generateRandomState() + (params.popup ? POPUP_STATE : '');
  const query: Record<string, string> = {
    client_id: params.clientId,
    response_type: 'code',
    redirect_uri: params.redirectUri,
    scope: params.scopes.join(' '),
    state,
    code_challenge: await calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  if (params.prompt) query.prompt = params.prompt;
  if (params.loginHint) query.login_hint = params.loginHint;
  if (params.maxAge !== undefined) query.max_age = String(params.maxAge);
  for (const name in query) endpoint.searchParams.set(name, query[name]!);
  return { url: endpoint.href, state, codeVerifier };
}
