import { useSyncExternalStore } from 'react';
import type { AuthStatus, QlikAuth, QlikAuthError, TokenPurpose } from '@qlik-auth/core';
import { callbacks, serverState, useAuthInstance } from './context.js';
import { serverToken, tokenSource } from './token-source.js';

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
  /** Epoch milliseconds at which `token` expires, where known. */
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

/**
 * A token of the signed-in session for one purpose, kept fresh: asked for again whenever the
 * session changes (a refresh, another tab) and shortly before it expires, as long as a component
 * reads it. Components reading the same instance and purpose share one token and one request.
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
  const source = tokenSource(instance, purpose);
  const value = useSyncExternalStore(source.subscribe, source.get, serverToken);
  const signedIn = state.status === 'signedIn';
  const token = signedIn ? value.token : undefined;
  const tokenError = value.for === state ? value.error : undefined;
  const error = (signedIn && tokenError) || state.error;
  if (suspense && !token) {
    // On the server: render the Suspense fallback and let the browser render this (React's
    // documented way to keep a component client-only).
    if (typeof window === 'undefined') throw new Error('useQlikToken suspends in the browser only');
    // A sign-in being finished is not a failure yet: wait for it.
    throw callbacks.get(instance) ?? (tokenError ? (error ?? tokenError) : source.load());
  }
  return { token, expiresAt: token ? value.expiresAt : undefined, status: state.status, error };
}
