import { asksForUser, type CallbackResult } from './callback.js';
import { QlikAuthError } from './errors.js';
import { parseUrl } from './options.js';
import type { QlikAuth, SignInOptions } from './types.js';

/** Options of {@link signInWithPopup}: those of `signIn`, plus the popup's. */
export interface PopupSignInOptions extends SignInOptions {
  /** How long to wait for the popup's answer before giving up with `timeout`. Default 300. */
  timeoutSeconds?: number;
  /** The `features` of `window.open`. Default: a 500 by 650 popup. */
  features?: string;
}

/** The instance's internals the popup needs (not part of the public type). */
interface Internals {
  signIn(options: SignInOptions, open: (url: string, channelName: string) => void): Promise<void>;
  handleRedirectCallback(url: string, opener: true, quiet?: true): Promise<CallbackResult>;
}

/** Options of {@link reauthorizeWithPopup}: those of the popup, without `prompt`. */
export type PopupReauthorizeOptions = Omit<PopupSignInOptions, 'prompt'>;

/** How often to look whether the user closed the popup. */
const POLL_MS = 250;

/**
 * Signs in in a popup instead of leaving the page: for apps embedded in someone else's page (a
 * portal, an iframe) where a full-page redirect is impossible or loses the user's place. Call it
 * from a click handler: the popup opens synchronously, before anything is awaited, so popup
 * blockers allow it.
 *
 * The popup goes through the tenant's login to the redirect URI, where `handleRedirectCallback`
 * (the app's usual redirect page code) hands the response URL (a code, never a token) back to this
 * window by exact-origin `postMessage` (or the instance's `BroadcastChannel` when the popup lost
 * its opener) and closes. The code is exchanged here, once, with the same checks as the redirect
 * flow (the transaction, `state`, PKCE), so it works where the popup cannot see this page's
 * storage (a third-party iframe's storage is partitioned). Other tabs follow as after any sign-in.
 *
 * Rejects with a {@link QlikAuthError}, the session unchanged, when the popup is blocked
 * (`popup_blocked`), closed before the sign-in finished (`popup_closed`) or silent too long
 * (`timeout`); an error redirect from the tenant rejects with `authorization_error` carrying the
 * tenant's `error` and `errorCode`, as the redirect flow does.
 *
 * @returns what `handleRedirectCallback` resolves to: the `returnTo` and `appState` given here
 * @example
 * button.onclick = () => signInWithPopup(auth).catch((e) => showError(e.code));
 * @see [RFC 6749 section 4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 * @see [OAuth 2.0 for Browser-Based Applications](https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps)
 */
export function signInWithPopup(
  auth: QlikAuth,
  options: PopupSignInOptions = {},
): Promise<CallbackResult> {
  return inPopup(auth, options, false);
}

/**
 * Renews the session in a popup, from a click ("Stay signed in"): for a session without a refresh
 * token (a single-page-app client's), before or after it ends. The popup asks the tenant with
 * `prompt=none`, so while the user's login session at the tenant lives it comes straight back and
 * closes, with no page shown; when the tenant answers that the user must sign in
 * (`login_required`), the same popup goes on to the login page, with no second click. The new
 * session reaches every tab, as after any sign-in.
 *
 * Rejects as {@link signInWithPopup} does (`popup_blocked`, `popup_closed`, `timeout`,
 * `authorization_error`), the session unchanged.
 * @example
 * stayButton.onclick = () => reauthorizeWithPopup(auth).catch((e) => showError(e.code));
 * @see [OpenID Connect Core section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) (`prompt=none`)
 */
export function reauthorizeWithPopup(
  auth: QlikAuth,
  options: PopupReauthorizeOptions = {},
): Promise<CallbackResult> {
  return inPopup(auth, { ...options, prompt: 'none' }, true);
}

/** The popup flow; `fallback`: after an answer that needs the user, on to the login page. */
function inPopup(
  auth: QlikAuth,
  options: PopupSignInOptions,
  fallback: boolean,
): Promise<CallbackResult> {
  const { timeoutSeconds = 300, features = 'popup,width=500,height=650', ...signIn } = options;
  // Synchronously, in the click's task: later, the user activation is gone.
  const popup = globalThis.open?.('', '_blank', features);
  const internals = auth as unknown as Internals;
  return new Promise((resolve, reject) => {
    if (!popup) {
      reject(new QlikAuthError('popup_blocked', 'the browser blocked the sign-in popup'));
      return;
    }
    let state: string | null | undefined;
    let origin: string | undefined;
    let channel: BroadcastChannel | undefined;
    let done = false;
    const deadline = Date.now() + timeoutSeconds * 1000;

    function finish(outcome?: QlikAuthError | string): void {
      if (done) return;
      done = true;
      clearInterval(poll);
      removeEventListener('message', onMessage);
      channel?.close();
      popup!.close();
      if (typeof outcome === 'string') {
        internals.handleRedirectCallback(outcome, true).then(resolve, reject);
      } else reject(outcome);
    }

    /** The response URL, if it is the one this sign-in waits for. */
    function receive(data: unknown): void {
      if (typeof data !== 'string' || !state || parseUrl(data)?.searchParams.get('state') !== state)
        return;
      if (fallback && asksForUser(data)) {
        // No login session at the tenant: the same popup goes on to the login page. The silent
        // attempt's transaction is handed to the instance, which spends it (and says nothing).
        fallback = false;
        state = undefined;
        internals.handleRedirectCallback(data, true, true).catch(() => {});
        start({ ...signIn, prompt: undefined });
        return;
      }
      finish(data);
    }
    // From our popup on the redirect URI's origin only; the channel is same-origin already.
    const onMessage = (event: MessageEvent) =>
      event.source === popup && event.origin === origin && receive(event.data);
    addEventListener('message', onMessage);

    let closedPolls = 0;
    const poll = setInterval(() => {
      // A popup that closes itself right after posting may look closed before its message is
      // read: one more turn before calling it closed by the user.
      if (popup.closed && ++closedPolls > 1) {
        finish(new QlikAuthError('popup_closed', 'the sign-in popup was closed'));
      } else if (Date.now() > deadline) {
        finish(new QlikAuthError('timeout', 'the sign-in popup got no answer in time'));
      }
    }, POLL_MS);

    const start = (opts: SignInOptions) =>
      internals
        .signIn(opts, (url, channelName) => {
          const query = new URL(url).searchParams;
          state = query.get('state');
          origin = parseUrl(query.get('redirect_uri'))?.origin;
          channel ??= new BroadcastChannel(channelName);
          channel.onmessage = (event) => receive(event.data);
          popup.location.replace(url);
        })
        .catch(finish);
    start(signIn);
  });
}
