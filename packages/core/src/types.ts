import type { CallbackResult } from './callback.js';
import type { AuthState, Listener } from './store.js';

/** Options of {@link QlikAuth.signIn}. */
export interface SignInOptions {
  /** Same-origin path or URL to come back to; anything else becomes `/`. Default: this page. */
  returnTo?: string;
  /** JSON-serialisable data handed back by `handleRedirectCallback`; stored encrypted. */
  appState?: unknown;
  /**
   * OpenID Connect `prompt`: `none` (no UI, fail instead) or `login` (ask for credentials even
   * when signed in at the tenant): the two values Qlik Cloud's `/oauth/authorize` accepts.
   */
  prompt?: 'none' | 'login';
  /** Who is expected to sign in (an email address), to pre-fill the login page. */
  loginHint?: string;
  /** Seconds since the user's last active authentication beyond which they must sign in again. */
  maxAge?: number;
}

/** Options of {@link QlikAuth.reauthorize}: where to come back to, and what to bring along. */
export type ReauthorizeOptions = Pick<SignInOptions, 'returnTo' | 'appState'>;

/** Options of {@link QlikAuth.signOut}. */
export interface SignOutOptions {
  /** Revoke the tokens at the tenant (RFC 7009). Default true. */
  revoke?: boolean;
  /** Same-origin path or URL to navigate to once signed out. Default: stay. */
  returnTo?: string;
}

/** What a token is for: the API, the engine WebSocket, or a web resource URL. */
export type TokenPurpose = 'access' | 'websocket' | 'webresource';

/** Options of {@link QlikAuth.getToken}. */
export interface GetTokenOptions {
  /** `access` (default) for the API; `websocket` or `webresource` for a purpose token. */
  purpose?: TokenPurpose;
  /** Get a new token even if the one in hand is still fresh (e.g. after the tenant said 401). */
  forceRefresh?: boolean;
}

/** One client of one tenant: a store of the session state plus the operations on it. */
export interface QlikAuth {
  /**
   * The tenant's origin (`https://tenant.eu.qlikcloud.com`, `http://localhost:8787`): the only
   * place this instance sends its tokens, for clients configured by host (qlik-embed, @qlik/api).
   */
  readonly origin: string;
  /** Calls `listener` after every state change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;
  /** The current state; the same object until something in it changes. */
  getSnapshot(): AuthState;
  /**
   * Starts the authorization code flow with PKCE: leaves the page for the tenant's authorization
   * endpoint. Resolves once navigation has been asked for; rejects (and sets `error`) when the
   * tenant or storage cannot be reached.
   * @see [RFC 6749 section 4.1.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.1)
   * @see [RFC 7636 section 4.3](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.3)
   */
  signIn(options?: SignInOptions): Promise<void>;
  /**
   * Finishes a sign-in on the redirect URI page (default URL: the current one). Idempotent: calls
   * for the same response share one token request and one result. Until it settles, a state
   * without a session is `loading`, not `signedOut`. A `state` this browser never issued (a
   * crafted link) rejects with `transaction_not_found` and leaves the state alone.
   *
   * In the popup of `signInWithPopup`, it exchanges nothing: it hands the URL (the code, never a
   * token) to the page that opened the popup, which exchanges it, and closes the popup.
   * @see [RFC 6749 section 4.1.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2)
   * @see [RFC 7636 section 4.5](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.5)
   */
  handleRedirectCallback(url?: string | URL): Promise<CallbackResult>;
  /**
   * Renews the session by re-authorization, for a session without a refresh token (a
   * single-page-app client's: Qlik Cloud gives those none) that has ended or is about to: leaves
   * the page for the tenant's authorization endpoint with `prompt=none`, which comes straight
   * back with a code while the user's login session at the tenant lives, to `returnTo` (default:
   * this page) with `appState`, as after any sign-in. When the tenant answers that the user must
   * sign in (`login_required`), the callback goes on to the login page, once, and never loops.
   *
   * One re-authorization for all tabs: a tab that finds another tab's re-authorization begun in
   * the last 30 s stays (it adopts the new session when that tab stores it) and resolves `false`;
   * one that leaves resolves `true`. Rejects with `interaction_required` when the session ended
   * within seconds of beginning (a broken clock or tenant), which would otherwise be a loop of
   * redirects.
   *
   * Without leaving the page: `reauthorizeWithPopup` (from a click), or `renewal: iframeRenewal()`.
   * @see [OpenID Connect Core section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) (`prompt=none`)
   */
  reauthorize(options?: ReauthorizeOptions): Promise<boolean>;
  /**
   * A token valid for at least the leeway (`leewaySeconds`, shrunk to half the lifetime of
   * short-lived tokens). A fresh token in memory answers at once, touching no storage, lock or
   * timer. Otherwise the session is refreshed first with the refresh token grant: one request
   * at a time for all callers in all tabs (a Web Lock; another tab's newer tokens are adopted
   * from storage), the rotated refresh token stored before anyone else may refresh.
   *
   * While a refresh fails for a reason that may pass (network, timeout, 5xx, 429), the session
   * stays signed in and the refresh is retried with backoff; the current token is returned while
   * it is valid, and once it has expired the call rejects with that (retryable) error. When the
   * tenant rejects the refresh token for good, the session ends in every tab and the call
   * rejects with `session_expired`; without a session, with `not_signed_in`.
   *
   * A session without a refresh token (a single-page-app client's) is renewed by a silent
   * re-authorization where the app set one up (`renewal: iframeRenewal()`); otherwise its token is
   * returned until it expires, and then the session ends in every tab with `token_expired`. With
   * `forceRefresh` (the tenant refused the token), such a session is never answered with the
   * refused token: without a way to renew it, it ends in every tab and the call rejects with
   * `session_expired` (or the silent re-authorization's `login_required`).
   *
   * With `purpose: 'websocket' | 'webresource'`, a purpose token from an RFC 8693 exchange of
   * the access token, cached per purpose until shortly before it expires.
   * @see [RFC 6749 section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
   * @see [RFC 8693 section 2.1](https://www.rfc-editor.org/rfc/rfc8693.html#section-2.1)
   */
  getToken(options?: GetTokenOptions): Promise<string>;
  /**
   * `fetch` with the access token as Bearer, for tenant URLs only; relative paths resolve
   * against the tenant. Any other origin rejects with `untrusted_url` and sends nothing. When
   * the tenant answers 401, the request is sent once more with a refreshed token.
   * @see [RFC 6750 section 2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /**
   * The engine WebSocket URL of an app (`wss://<host>/app/<appId>?accessToken=...`, `ws://` for
   * an http host), with a websocket-purpose token.
   * @see [RFC 8693 section 2.1](https://www.rfc-editor.org/rfc/rfc8693.html#section-2.1)
   */
  webSocketUrl(appId: string): Promise<string>;
  /**
   * A tenant URL with `accessToken=<webresource-purpose token>` added; any other origin rejects
   * with `untrusted_url`.
   * @see [RFC 8693 section 2.1](https://www.rfc-editor.org/rfc/rfc8693.html#section-2.1)
   */
  webResourceUrl(url: string | URL): Promise<string>;
  /**
   * Ends the session, in every tab: the state is `signedOut` at once, then the refresh and
   * access tokens are revoked. A failed revocation is reported through `onWarning` and never
   * blocks the sign-out.
   * @see [RFC 7009 section 2.1](https://www.rfc-editor.org/rfc/rfc7009.html#section-2.1)
   */
  signOut(options?: SignOutOptions): Promise<void>;
  /** Stops notifying listeners; clears the refresh timer, the listeners and the tab channel. */
  destroy(): void;
}
