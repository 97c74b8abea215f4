import { useEffect, type ReactElement, type ReactNode } from 'react';
import type { QlikAuth, QlikAuthError, SignInOptions } from '@qlik-auth/core';
import { callbacks, isRedirectCallback, noop } from './context.js';
import { useQlikAuth } from './use-qlik-auth.js';

/** Props of {@link RequireQlikAuth}. */
export interface RequireQlikAuthProps {
  /** Rendered when signed in. */
  children?: ReactNode;
  /** Rendered while the session loads and while the sign-in starts. Default: nothing. */
  fallback?: ReactNode;
  /**
   * Renders a failure (a refused or failed sign-in, a session that ended) with `retry`, which
   * starts a new sign-in. Default: the error's message and a button.
   */
  onError?: (error: QlikAuthError, retry: () => void) => ReactNode;
  /** Passed to `signIn`: `returnTo`, `appState`, `loginHint`, ... */
  signInOptions?: SignInOptions;
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
  const { auth, status, error } = useQlikAuth(props.auth);
  const retry = () => void auth.signIn(props.signInOptions).catch(noop);

  useEffect(() => {
    if (status !== 'signedOut' || error || started.has(auth)) return;
    if (callbacks.get(auth) || isRedirectCallback()) return;
    started.add(auth);
    retry();
    // A change of session state only, never a parent's re-render, can start a sign-in.
  }, [auth, status, error]);

  if (status === 'signedIn') return <>{props.children}</>;
  if (error && status === 'signedOut') {
    return props.onError ? (
      <>{props.onError(error, retry)}</>
    ) : (
      <div role="alert">
        {error.message}{' '}
        <button type="button" onClick={retry}>
          Sign in again
        </button>
      </div>
    );
  }
  return <>{props.fallback}</>;
}
