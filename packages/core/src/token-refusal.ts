/**
 * What an integration with a Qlik client (@qlik/api, qlik-embed) does when the client reports
 * that the tenant refused (401) an access token it was handed: renew once for a burst of refused
 * calls, and have each of them retried with the newer token. Shared by the entries
 * `@qlik-auth/core/qlik-api` and `@qlik-auth/core/qlik-embed`; not part of the public API.
 */
import type { QlikAuth } from './types.js';

/**
 * How long after a renewal forced by a 401 another 401 is taken for a request that was already
 * under way with the old token (a burst of calls made with it), and is retried with the new one
 * instead of renewing again. A Qlik client does not say which token a rejected request carried;
 * the requests of one burst fail within moments of each other, and a token refused again after
 * this long is refused for a new reason, worth a new renewal.
 */
export const SAME_BURST_MS = 10_000;

/**
 * How a refused token is renewed (internal).
 *
 * `renew` gets a new access token after the tenant refused the current one. By default it is
 * `auth.getToken({ forceRefresh: true })`, the instance's own renewal: a refresh token grant
 * where the session has a refresh token, a silent re-authorization where the app set one up
 * (`renewal: iframeRenewal()`); without either (a single-page-app client's session, which Qlik
 * Cloud gives no refresh token) the core never hands back the refused token: the session ends in
 * every tab and `renew` rejects with `session_expired`, which the Qlik client then reports
 * (qlik-embed shows its own error; @qlik/api rejects the call). A re-authorization that needs the
 * page or a click (`auth.reauthorize()`, `reauthorizeWithPopup`, `<RequireQlikAuth>`) is the
 * app's; once one succeeds in any tab, the same host config works again. A `renew` must never
 * leave the page without settling: a client waits on it.
 */
export interface RenewalSeam {
  renew(auth: QlikAuth): Promise<string>;
}

/** The instance's own silent renewal. */
export const silentRenewal: RenewalSeam = {
  renew: (auth) => auth.getToken({ forceRefresh: true }),
};

/** What a Qlik client integration tracks of the tokens it hands out and the refusals it hears of. */
export interface TokenRefusals {
  /** The current access token, remembered as handed out: every request sent so far carried it or an older one. */
  handOut(): Promise<string>;
  /**
   * After the tenant refused a request made with a token handed out here: resolves once a retry
   * can carry a newer token (one renewed since, by the schedule, another call or another tab;
   * else one from `seam.renew`, shared by the refusals of one burst). Rejects with the core's
   * `QlikAuthError` when there is no session (anymore) or it cannot be renewed: the caller
   * reports that and sends nothing more.
   */
  renewAfterRefusal(): Promise<void>;
}

/**
 * Tracks the tokens handed to one Qlik client and renews after its 401s, once per burst.
 * @param auth - the instance whose tokens the client uses
 * @param seam - how to renew after a refusal (default: the instance's silent renewal)
 */
export function tokenRefusals(auth: QlikAuth, seam: RenewalSeam = silentRenewal): TokenRefusals {
  /** The last renewal forced here, and when it ended. */
  let forced: { token: string; at: number } | undefined;
  /** The newest access token handed out. */
  let handedOut: string | undefined;
  /** A renewal under way, which refusals heard of meanwhile wait for instead of renewing again. */
  let renewing: Promise<string> | undefined;

  return {
    handOut: async () => (handedOut = await auth.getToken()),
    async renewAfterRefusal() {
      // Rejects with the core's typed error when there is no session (anymore).
      const current = await auth.getToken();
      // Renewed since the refused request went out: the retry carries the new token.
      if (current !== handedOut) return;
      if (forced?.token === current && Date.now() - forced.at < SAME_BURST_MS) return;
      // A refused renewal rejects here, with the core's typed error, and so does the call.
      renewing ??= seam.renew(auth).finally(() => (renewing = undefined));
      const token = await renewing;
      forced = { token, at: Date.now() };
    },
  };
}
