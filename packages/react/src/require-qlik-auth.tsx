import { useEffect, useState, type ReactElement, type ReactNode } from 'react';
import type { QlikAuth, QlikAuthError } from '@qlik-auth/core';
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
 * Renders its children only when signed in. When signed out it starts a sign-in, once; when
 * the session has an error (a denied sign-in, a failed callback, an ended session) it shows
 * the error instead of leaving again, so a failure never becomes a redirect loop. It waits
 * while the page is a redirect callback being handled.
 *
 * @example
 * <RequireQlikAuth fallback={<Spinner />} onError={(e, retry) => <Failed code={e.code} onRetry={retry} />}>
 *   <Dashboard />
 * </RequireQlikAuth>
 */
export function RequireQlikAuth(props: RequireQlikAuthProps): ReactElement {
  const { auth, status, error, signIn } = useQlikAuth(props.auth);
  // A popup's failure leaves the session as it was: it is this guard's to show.
  const [failed, setFailed] = useState<QlikAuthError>();
  const retry = () => {
    setFailed(undefined);
    signIn(props.signInOptions).catch(props.signInOptions?.popup ? setFailed : noop);
  };

  useEffect(() => {
    if (status !== 'signedOut' || error || started.has(auth) || isRedirectCallback()) return;
    started.add(auth);
    retry();
    // A change of session state only, never a parent's re-render, can start a sign-in.
  }, [auth, status, error]);

  if (status === 'signedIn') return <>{props.children}</>;
  const shown = status === 'signedOut' && (failed ?? error);
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
