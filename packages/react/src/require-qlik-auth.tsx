import { useEffect, useState, type ReactElement, type ReactNode } from 'react';
import { reauthorizeWithPopup, type QlikAuth, type QlikAuthError } from '@qlik-auth/core';
import { isRedirectCallback, noop } from './context.js';
import { useQlikAuth, type QlikSignInOptions } from './use-qlik-auth.js';

/** Props of {@link RequireQlikAuth}. */
export interface RequireQlikAuthProps {
  /** Rendered when signed in. */
  children?: ReactNode;
  /** Rendered while the session loads and while the sign-in starts. Default: nothing. */
  fallback?: ReactNode;
  /**
   * Renders a failure (a refused or failed sign-in, a session that ended, a blocked or closed
   * popup) with `retry`, which starts a new sign-in. Default: the error's message and a button.
   */
  onError?: (error: QlikAuthError, retry: () => void) => ReactNode;
  /**
   * Passed to `signIn`: `returnTo`, `appState`, `loginHint`, ..., and `popup: true` to sign in
   * in a popup instead of leaving the page. A popup the browser blocks (no click to open it)
   * shows as a `popup_blocked` error whose `retry`, a click, opens it.
   */
  signInOptions?: QlikSignInOptions;
  /** An instance to use instead of the provider's. */
  auth?: QlikAuth;
}

/** Instances this guard has sent to sign in: at most once each, whatever renders again. */
const started = new WeakSet<QlikAuth>();

/**
 * Why a session ended that a re-authorization can renew: it expired with nothing to renew it
 * (`token_expired`), the tenant refused it (`session_expired`), or a silent renewal found no
 * login session at the tenant (`login_required`).
 */
const ENDED = ['token_expired', 'session_expired', 'login_required'];

/** The endings this guard has re-authorized: each at most once, so a failure never loops. */
const reauthorized = new WeakSet<QlikAuthError>();

/**
 * Renders its children only when signed in. When signed out it starts a sign-in, once. When a
 * session ends (a single-page-app client's token expires: Qlik Cloud gives those no refresh
 * token), it re-authorizes by redirect with `prompt=none` (`auth.reauthorize`), back to this
 * route: no login page shows while the user's login session at the tenant lives, and otherwise
 * the tenant's login page shows once. With `signInOptions.popup`, where the page must not leave,
 * it shows the ending instead, and `retry` (a click) re-authorizes in a popup.
 *
 * When the session has an error it cannot renew (a denied sign-in, a failed callback, a failed
 * re-authorization) it shows the error instead of leaving again, so a failure never becomes a
 * redirect loop. It waits while the page is a redirect callback being handled.
 *
 * @example
 * <RequireQlikAuth fallback={<Spinner />} onError={(e, retry) => <Failed code={e.code} onRetry={retry} />}>
 *   <Dashboard />
 * </RequireQlikAuth>
 */
export function RequireQlikAuth(props: RequireQlikAuthProps): ReactElement {
  const { auth, status, error, signIn } = useQlikAuth(props.auth);
  const options = props.signInOptions;
  // A popup's failure leaves the session as it was: it is this guard's to show.
  const [failed, setFailed] = useState<QlikAuthError>();
  /** The ending being re-authorized: the page is about to leave, so the fallback shows. */
  const [leaving, setLeaving] = useState<QlikAuthError>();
  const ended = status === 'signedOut' && !!error && ENDED.includes(error.code);
  const retry = () => {
    setFailed(undefined);
    if (ended && options?.popup) {
      reauthorizeWithPopup(auth, options).catch(setFailed);
    } else {
      signIn(options).catch(options?.popup ? setFailed : noop);
    }
  };

  useEffect(() => {
    if (status !== 'signedOut' || isRedirectCallback()) return;
    if (ended && !options?.popup && !reauthorized.has(error)) {
      reauthorized.add(error);
      setLeaving(error);
      // Another tab's re-authorization brings the session: meanwhile the ending shows. A failure
      // lands in the snapshot as a new error, which shows.
      auth
        .reauthorize({ returnTo: options?.returnTo, appState: options?.appState })
        .then((left) => left || setLeaving(undefined), noop);
      return;
    }
    if (error || started.has(auth)) return;
    started.add(auth);
    retry();
    // A change of session state only, never a parent's re-render, can start a sign-in.
  }, [auth, status, error]);

  if (status === 'signedIn') return <>{props.children}</>;
  const shown = status === 'signedOut' && (failed ?? (error !== leaving ? error : undefined));
  if (shown) {
    return props.onError ? (
      <>{props.onError(shown, retry)}</>
    ) : (
      <div role="alert">
        {shown.message}{' '}
        <button type="button" onClick={retry}>
          Sign in again
        </button>
      </div>
    );
  }
  return <>{props.fallback}</>;
}
