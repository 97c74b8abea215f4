/**
 * `@qlik-auth/core/qlik-api`: Qlik's own API client, `@qlik/api`, on a qlik-auth session. REST
 * calls, the engine WebSocket and web resource URLs take their tokens from a {@link QlikAuth},
 * so they share its refresh ahead of expiry, its one refresh across tabs, its revocation at
 * sign-out and its typed errors.
 *
 * A separate entry point: the main entry does not contain it, and it imports nothing from
 * `@qlik/api` at run time (only its types), so an app without `@qlik/api` pays nothing for it.
 *
 * @example
 * import { createQlikAuth } from '@qlik-auth/core';
 * import { qlikApiAuthModule } from '@qlik-auth/core/qlik-api';
 * import { auth as qlikApi, users } from '@qlik/api';
 *
 * const auth = createQlikAuth({ host, clientId, redirectUri });
 * qlikApi.registerAuthModule('qlik-auth', qlikApiAuthModule(auth));
 * qlikApi.setDefaultHostConfig({ host, authType: 'qlik-auth' });
 * const { data: me } = await users.getMyUser();
 * @packageDocumentation
 */
import type {
  AuthModule,
  AuthenticationErrorAction,
  HandleAuthenticationErrorProps,
  RestCallAuthParams,
  WebResourceAuthParams,
  WebSocketAuthParams,
} from '@qlik/api/auth';
import type { QlikAuth } from './types.js';

declare global {
  /** @qlik/api's registry of auth types (a global interface it lets modules extend). */
  interface QlikAuthModules {
    /**
     * `authType: 'qlik-auth'`: a host config for a module made by {@link qlikApiAuthModule}.
     * It needs nothing but `host`, the tenant of the {@link QlikAuth} the module wraps.
     */
    'qlik-auth': { config: object };
  }
}

/**
 * How long after a refresh forced by a 401 another 401 is taken for a request that was already
 * under way with the old token (a burst of calls made with it), and is retried with the new one
 * instead of refreshing again. @qlik/api does not say which token a rejected request carried;
 * the requests of one burst fail within moments of each other, and a token refused again after
 * this long is refused for a new reason, worth a new refresh.
 */
const SAME_BURST_MS = 10_000;

/**
 * True in Node (and runtimes compatible with it), where @qlik/api opens the engine socket with
 * the `ws` package, which can send headers; a browser WebSocket cannot. The same test as
 * @qlik/api's own, so both sides agree on which socket is opened.
 */
const inNode = () =>
  !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;

/**
 * An `@qlik/api` auth module backed by `auth`: register it under an auth type of your choice
 * (`'qlik-auth'` is typed for you) and point a host config at the same tenant.
 *
 * - REST calls carry the access token as `Authorization: Bearer`, and no cookies.
 * - The engine WebSocket gets, in a browser, the cached `websocket` purpose token as the
 *   `accessToken` query parameter (a browser WebSocket cannot send headers); in Node, the access
 *   token as an `Authorization` header.
 * - Web resource URLs (thumbnails, images) get the cached `webresource` purpose token.
 * - When the tenant answers 401, the call is retried once with a newer token: the one in hand if
 *   the session was renewed since the request went out, else one from a forced refresh
 *   (`forceRefresh`) that the calls of one burst share. When the refresh is refused for good, the
 *   call rejects with the core's `QlikAuthError` (`session_expired`), the session ends in
 *   every tab, and later calls reject at once with `not_signed_in`, sending nothing: the module
 *   never navigates, so the app's own sign-in (its `signedOut` state) takes over, with no
 *   redirect loop.
 *
 * The host config's `host` must be the tenant of `auth`: @qlik/api sends the token wherever
 * `host` points.
 * @param auth - the client whose session @qlik/api should use
 * @returns the module, for `auth.registerAuthModule(name, module)` of `@qlik/api`
 * @see [RFC 6750 section 2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
 * @see [RFC 8693 section 2.1](https://www.rfc-editor.org/rfc/rfc8693.html#section-2.1)
 */
export function qlikApiAuthModule(auth: QlikAuth): AuthModule {
  /** The last refresh this module forced, and when it ended. */
  let forced: { token: string; at: number } | undefined;
  /** The newest access token handed to @qlik/api: every request it sent carried this or an older one. */
  let handedOut: string | undefined;

  const bearer = async () => {
    handedOut = await auth.getToken();
    return { Authorization: `Bearer ${handedOut}` };
  };

  async function getRestCallAuthParams(): Promise<RestCallAuthParams> {
    return { headers: await bearer(), queryParams: {}, credentials: 'omit' };
  }

  async function getWebSocketAuthParams(): Promise<WebSocketAuthParams> {
    if (inNode()) return { headers: await bearer() };
    return { queryParams: { accessToken: await auth.getToken({ purpose: 'websocket' }) } };
  }

  async function getWebResourceAuthParams(): Promise<WebResourceAuthParams> {
    return { queryParams: { accessToken: await auth.getToken({ purpose: 'webresource' }) } };
  }

  async function handleAuthenticationError({
    status,
    canRetry,
  }: HandleAuthenticationErrorProps): Promise<AuthenticationErrorAction> {
    // A retry refused again: a new token did not help, and another would not either. @qlik/api
    // then rejects with the tenant's answer.
    if (status !== 401 || !canRetry) return {};
    // Rejects with the core's typed error when there is no session (anymore).
    const current = await auth.getToken();
    // Renewed since the refused request went out (by the schedule, another call or another tab):
    // the retry carries the new token, and no refresh is needed.
    if (current !== handedOut) return { retry: true };
    if (forced?.token === current && Date.now() - forced.at < SAME_BURST_MS) return { retry: true };
    // A refused refresh rejects here, with `session_expired`, and so does the call.
    const token = await auth.getToken({ forceRefresh: true });
    forced = { token, at: Date.now() };
    return { retry: true };
  }

  return {
    getRestCallAuthParams,
    getWebSocketAuthParams,
    getWebResourceAuthParams,
    handleAuthenticationError,
  };
}
