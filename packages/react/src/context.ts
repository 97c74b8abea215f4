import { createContext, useContext } from 'react';
import type { AuthState, QlikAuth, TokenState } from '@qlik-auth/core';

/** The instance a {@link QlikAuthProvider} hands to the hooks below it. */
export const QlikAuthContext = createContext<QlikAuth | undefined>(undefined);

/**
 * The state every server render and every hydration starts from: a constant, so the server
 * never reads a session (it has none) and the client's first render matches the server's HTML.
 */
export const SERVER_STATE: AuthState = Object.freeze({ status: 'loading' });
export const serverState = (): AuthState => SERVER_STATE;
const NO_TOKEN: TokenState = Object.freeze({});
export const serverToken = (): TokenState => NO_TOKEN;

/**
 * True when the page URL is an authorization response (RFC 6749 section 4.1.2): `state` with
 * `code` or `error`, or Qlik's error redirect without `state` (`error` with `error_code`).
 */
export function isRedirectCallback(): boolean {
  if (typeof location === 'undefined') return false;
  const params = new URLSearchParams(location.search);
  const has = (name: string) => params.has(name);
  return has('state') ? has('code') || has('error') : has('error') && has('error_code');
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
