import { createContext, useContext } from 'react';
import type { AuthState, QlikAuth } from '@qlik-auth/core';

/** The instance a {@link QlikAuthProvider} hands to the hooks below it. */
export const QlikAuthContext = createContext<QlikAuth | undefined>(undefined);

/**
 * The state every server render and every hydration starts from: a constant, so the server
 * never reads a session (it has none) and the client's first render matches the server's HTML.
 */
export const SERVER_STATE: AuthState = Object.freeze({ status: 'loading' });
export const serverState = (): AuthState => SERVER_STATE;

/**
 * Instances whose redirect callback a provider has taken on, with the promise of its handling
 * while the exchange runs (undefined once settled). Keyed by instance, so it survives StrictMode's
 * effect replay and a remounted provider: a callback is handled once. While it runs the core
 * says `signedOut`, which must not make a guard sign in or a suspended token give up.
 */
export const callbacks = new WeakMap<QlikAuth, Promise<void> | undefined>();

/** True when the page URL is an authorization response (RFC 6749 section 4.1.2): state plus code or error. */
export function isRedirectCallback(): boolean {
  if (typeof location === 'undefined') return false;
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** The explicit instance, else the provider's; throws when there is neither. */
export function useAuthInstance(auth?: QlikAuth): QlikAuth {
  const provided = useContext(QlikAuthContext);
  const instance = auth ?? provided;
  if (!instance) {
    throw new Error(
      '@qlik-auth/react: wrap the tree in <QlikAuthProvider> or pass an auth instance',
    );
  }
  return instance;
}

export const noop = () => {};
