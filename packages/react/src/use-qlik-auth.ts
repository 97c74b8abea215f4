import { useMemo, useSyncExternalStore } from 'react';
import {
  signInWithPopup,
  type AuthState,
  type CallbackResult,
  type PopupSignInOptions,
  type QlikAuth,
} from '@qlik-auth/core';
import { serverState, useAuthInstance } from './context.js';

/** Options of {@link QlikAuthValue.signIn}: the core's, and `popup` to sign in in a popup. */
export interface QlikSignInOptions extends PopupSignInOptions {
  /**
   * Sign in in a popup (`signInWithPopup`) instead of leaving the page: for apps embedded in
   * another page. Call it from a click handler, or the browser may block the popup.
   */
  popup?: boolean;
}

/** What {@link useQlikAuth} returns: the core's snapshot plus the operations and the instance. */
export interface QlikAuthValue extends AuthState {
  /** The instance, for `fetch`, `getToken`, `webSocketUrl`, `webResourceUrl`. */
  auth: QlikAuth;
  /**
   * Starts a sign-in: leaves the page for the tenant's login, or with `popup: true` signs in in
   * a popup and resolves once signed in (with what `handleRedirectCallback` resolves to).
   */
  signIn(options?: QlikSignInOptions): Promise<CallbackResult | void>;
  /** Ends the session at once, then revokes its tokens. */
  signOut: QlikAuth['signOut'];
}

/** `signIn` of an instance, taking `popup: true` too. */
export const signInWith =
  (auth: QlikAuth) =>
  (options?: QlikSignInOptions): Promise<CallbackResult | void> =>
    options?.popup ? signInWithPopup(auth, options) : auth.signIn(options);

/**
 * The session as the core reports it (`status`, `error`, `expiresAt`, `scopes`, `user` or
 * `userError`, ...), read
 * with `useSyncExternalStore` from the core's store: no copy of it is kept in React. Renders
 * again only when the snapshot changes. On the server and during hydration it is `loading`.
 *
 * @param auth - an instance to use instead of the provider's
 * @example
 * const { status, user, signIn, signOut } = useQlikAuth();
 * <button onClick={() => signIn({ popup: true })}>Sign in</button>
 */
export function useQlikAuth(auth?: QlikAuth): QlikAuthValue {
  const instance = useAuthInstance(auth);
  const state = useSyncExternalStore(instance.subscribe, instance.getSnapshot, serverState);
  const signIn = useMemo(() => signInWith(instance), [instance]);
  return useMemo(
    () => ({ ...state, auth: instance, signIn, signOut: instance.signOut }),
    [state, instance, signIn],
  );
}
