import { useMemo, useSyncExternalStore } from 'react';
import type { AuthState, QlikAuth } from '@qlik-auth/core';
import { serverState, useAuthInstance } from './context.js';

/** What {@link useQlikAuth} returns: the core's snapshot plus the operations and the instance. */
export interface QlikAuthValue extends AuthState {
  /** The instance, for `fetch`, `getToken`, `webSocketUrl`, `webResourceUrl`. */
  auth: QlikAuth;
  /** Starts a sign-in: leaves the page for the tenant's login. */
  signIn: QlikAuth['signIn'];
  /** Ends the session at once, then revokes its tokens. */
  signOut: QlikAuth['signOut'];
}

/**
 * The session as the core reports it (`status`, `error`, `expiresAt`, `scopes`, `user`), read
 * with `useSyncExternalStore` from the core's store: no copy of it is kept in React. Renders
 * again only when the snapshot changes. On the server and during hydration it is `loading`.
 *
 * @param auth - an instance to use instead of the provider's
 * @example
 * const { status, user, signIn, signOut } = useQlikAuth();
 */
export function useQlikAuth(auth?: QlikAuth): QlikAuthValue {
  const instance = useAuthInstance(auth);
  const state = useSyncExternalStore(instance.subscribe, instance.getSnapshot, serverState);
  return useMemo(
    () => ({ ...state, auth: instance, signIn: instance.signIn, signOut: instance.signOut }),
    [state, instance],
  );
}
