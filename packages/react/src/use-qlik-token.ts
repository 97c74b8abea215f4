import { useSyncExternalStore } from 'react';
import {
  QlikAuthError,
  tokenStore,
  type AuthStatus,
  type QlikAuth,
  type TokenPurpose,
  type TokenStore,
} from '@qlik-auth/core';
import { isRedirectCallback, serverState, serverToken, useAuthInstance } from './context.js';

/** Options of {@link useQlikToken}. */
export interface QlikTokenOptions {
  /** `access` (default) for the REST API, `websocket` for the engine, `webresource` for URLs. */
  purpose?: TokenPurpose;
  /**
   * Suspend until the token is there (React 18 and 19), and throw to the nearest error boundary
   * when it cannot be had (signed out, refused). The server renders the Suspense fallback.
   */
  suspense?: boolean;
  /** An instance to use instead of the provider's. */
  auth?: QlikAuth;
}

/** What {@link useQlikToken} returns. */
export interface QlikToken {
  /** The token while signed in; undefined before it arrives and once the session ends. */
  token?: string;
  /** Epoch milliseconds at which `token` expires, as the tenant said. */
  expiresAt?: number;
  /** The session's status, as in `useQlikAuth()`. */
  status: AuthStatus;
  /** Why there is no token: the last failure to get one, else the session's error. */
  error?: QlikAuthError;
}

/** What {@link useQlikToken} returns with `suspense: true`: the token is always there. */
export interface QlikSuspenseToken extends QlikToken {
  token: string;
}

/** Resolves at the next change of the session or of the token: what a suspended reader waits for. */
const nextChange = (auth: QlikAuth, store: TokenStore) =>
  new Promise<void>((resolve) => {
    // Subscribing to the token store also asks the core for the token.
    const stop = [auth.subscribe(done), store.subscribe(done)];
    function done() {
      for (const unsubscribe of stop) unsubscribe();
      resolve();
    }
  });

/**
 * A token of the signed-in session for one purpose, kept fresh by the core (`tokenStore`):
 * renewed before it expires for as long as a component reads it, and updated whenever the
 * session changes (a refresh, another tab). A plain `useSyncExternalStore` over the core's store:
 * components reading the same instance and purpose share one token and one request.
 *
 * @example
 * const { token } = useQlikToken({ purpose: 'webresource' });
 * @example
 * // Inside <Suspense>: renders only once the token is there.
 * const { token } = useQlikToken({ purpose: 'websocket', suspense: true });
 */
export function useQlikToken(options: QlikTokenOptions & { suspense: true }): QlikSuspenseToken;
export function useQlikToken(options?: QlikTokenOptions): QlikToken;
export function useQlikToken({
  purpose = 'access',
  suspense,
  auth,
}: QlikTokenOptions = {}): QlikToken {
  const instance = useAuthInstance(auth);
  const state = useSyncExternalStore(instance.subscribe, instance.getSnapshot, serverState);
  const store = tokenStore(instance, purpose);
  const value = useSyncExternalStore(store.subscribe, store.getSnapshot, serverToken);
  const token = state.status === 'signedIn' ? value.token : undefined;
  const error = value.error ?? state.error;
  if (suspense && !token) {
    // On the server: render the Suspense fallback and let the browser render this (React's
    // documented way to keep a component client-only).
    if (typeof window === 'undefined') throw new Error('useQlikToken suspends in the browser only');
    // Signed out for good (a sign-in being finished is not: the provider is about to start it).
    if (state.status === 'signedOut' && !isRedirectCallback()) {
      throw error ?? new QlikAuthError('not_signed_in', 'not signed in');
    }
    throw value.error ?? nextChange(instance, store);
  }
  return { token, expiresAt: token ? value.expiresAt : undefined, status: state.status, error };
}
