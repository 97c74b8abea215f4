import { classifyError } from './classify.js';
import { QlikAuthError } from './errors.js';
import { parseUrl, type SilentRenewal } from './options.js';

/** Options of {@link iframeRenewal}. */
export interface IframeRenewalOptions {
  /** How long the frame may take to come back before the attempt counts as failed. Default 10. */
  timeoutSeconds?: number;
}

/**
 * Renews sessions that have no refresh token (a single-page-app client's) without the user: pass
 * it as `renewal` to `createQlikAuth`, and ahead of expiry the instance re-authorizes with
 * `prompt=none` in a hidden iframe. While the user's login session at the tenant lives, the
 * tenant redirects the frame straight back to the redirect URI, whose page (the app's usual
 * `handleRedirectCallback`) hands the response to this window; the code is exchanged here, with
 * the same checks as any sign-in, and every tab gets the new session.
 *
 * Opt-in, because it needs what a browser often refuses:
 * - the tenant must allow being framed by the app's origin (Qlik Cloud's pages allow only the
 *   tenant itself unless an administrator adds the app's origin): refused, the attempt fails at
 *   once with `interaction_required`;
 * - the tenant's login cookie must reach the frame, which is third-party wherever the app and the
 *   tenant are different sites: blocked, the tenant answers `login_required`.
 * Either way the session is kept until it expires, marked not `renewable` (so its end is
 * announced), and no frame is tried again for it. A frame that does not come back in time fails
 * with `timeout` and is retried with backoff.
 * @example
 * const auth = createQlikAuth({ host, clientId, redirectUri, renewal: iframeRenewal() });
 * @see [OpenID Connect Core section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) (`prompt=none`)
 */
export function iframeRenewal({ timeoutSeconds = 10 }: IframeRenewalOptions = {}): SilentRenewal {
  return silentRenewal((url) => inHiddenFrame(url, timeoutSeconds * 1000));
}

/**
 * A renewal by `prompt=none` re-authorization, with `run` carrying the request out of sight and
 * resolving with the URL the tenant redirected back to (a code, or an error such as
 * `login_required`). Internal: `iframeRenewal` runs it in a frame; tests play the browser.
 */
export function silentRenewal(run: (authorizeUrl: string) => Promise<string>): SilentRenewal {
  return async ({ authorize, redeem, drop }, from, keep) => {
    const { url, state } = await authorize();
    let renewed;
    try {
      renewed = await redeem(await run(url));
      // The tenant's "try again later" (temporarily_unavailable, server_error) is retried.
      if (renewed instanceof QlikAuthError && renewed.retryable) throw renewed;
    } catch (thrown) {
      // The transaction is spent either way (a frame that gave up never brings it back).
      drop(state).catch(() => {});
      renewed = await classifyError(thrown);
      if (renewed.retryable) throw renewed;
    }
    // The tenant will not renew it without the user: kept while valid, and not asked again.
    return renewed instanceof QlikAuthError && keep ? { ...from, unrenewable: true } : renewed;
  };
}

/** Loads `authorizeUrl` in a hidden iframe; resolves with the response its page posts back. */
function inHiddenFrame(authorizeUrl: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const query = new URL(authorizeUrl).searchParams;
    const state = query.get('state');
    // The response comes from the redirect URI's page, on the app's origin.
    const origin = parseUrl(query.get('redirect_uri'))?.origin;
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.title = 'session renewal';
    const timer = setTimeout(
      () =>
        finish(
          new QlikAuthError('timeout', 'the renewal frame did not come back in time', {
            retryable: true,
          }),
        ),
      timeoutMs,
    );

    function finish(outcome: string | QlikAuthError): void {
      clearTimeout(timer);
      removeEventListener('message', onMessage);
      frame.remove();
      if (typeof outcome === 'string') resolve(outcome);
      else reject(outcome);
    }

    function onMessage(event: MessageEvent): void {
      if (
        event.source === frame.contentWindow &&
        event.origin === origin &&
        typeof event.data === 'string' &&
        parseUrl(event.data)?.searchParams.get('state') === state
      ) {
        finish(event.data);
      }
    }

    frame.onload = () => {
      // `prompt=none` shows no page: the frame either comes back to the redirect URI (this
      // origin: its page posts the response) or shows something that is not ours to read, the
      // browser's page for a refused frame or an error page of the tenant.
      try {
        void frame.contentWindow?.location.href;
      } catch {
        finish(
          new QlikAuthError(
            'interaction_required',
            'the tenant did not come back in the renewal frame (it refuses to be framed?)',
          ),
        );
      }
    };
    addEventListener('message', onMessage);
    frame.src = authorizeUrl;
    document.body.append(frame);
  });
}
