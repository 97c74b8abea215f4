/**
 * `@qlik-auth/core`: browser OAuth 2.0 for Qlik Cloud. Authorization code with PKCE on
 * oauth4webapi, sessions sealed in IndexedDB, one store per tenant and client; tokens refreshed
 * ahead of expiry (RFC 6749 section 6), one refresh at a time across tabs, purpose tokens by
 * RFC 8693 token exchange.
 *
 * @example
 * const auth = createQlikAuth({ host: 'tenant.eu.qlikcloud.com', clientId: '...' });
 * if (new URLSearchParams(location.search).has('state')) {
 *   const { returnTo } = await auth.handleRedirectCallback();
 *   history.replaceState(null, '', returnTo);
 * }
 * auth.subscribe(() => render(auth.getSnapshot()));
 */
export { createQlikAuth } from './client.js';
export { reauthorizeWithPopup, signInWithPopup } from './popup.js';
export type { PopupReauthorizeOptions, PopupSignInOptions } from './popup.js';
export { iframeRenewal } from './iframe.js';
export type { IframeRenewalOptions } from './iframe.js';
export { sessionEnding } from './ending.js';
export type { SessionEndingState, SessionEndingStore } from './ending.js';
export type {
  GetTokenOptions,
  QlikAuth,
  ReauthorizeOptions,
  SignInOptions,
  SignOutOptions,
  TokenPurpose,
} from './types.js';
export type { CallbackResult } from './callback.js';
export { QlikAuthError, QlikAuthErrorCode } from './errors.js';
export type {
  QlikAuthErrorCodes,
  QlikAuthErrorData,
  QlikAuthErrorDetails,
  QlikErrorEntry,
} from './errors.js';
export type { AuthorizationServerMetadata, QlikAuthOptions, SilentRenewal } from './options.js';
export type { AuthUser } from './session.js';
export type { SessionStore } from './storage.js';
export type { AuthState, AuthStatus, Listener } from './store.js';
export { tokenStore } from './token-store.js';
export type { TokenState, TokenStore } from './token-store.js';
