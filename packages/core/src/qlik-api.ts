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
import type { AuthModule } from '@qlik/api/auth';
import { authModuleFor } from './auth-module.js';
import { silentRenewal } from './token-refusal.js';
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
 *   (`forceRefresh`) that the calls of one burst share; the purpose tokens in hand are exchanged
 *   anew at their next use (a browser hides why an engine socket was refused, so a dead websocket
 *   token would never be reported). When the refresh is refused for good, the
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
  return authModuleFor(auth, silentRenewal);
}
