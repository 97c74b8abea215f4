import { useCallback, useMemo, useSyncExternalStore } from 'react';
import {
  reauthorizeWithPopup,
  sessionEnding,
  type CallbackResult,
  type PopupReauthorizeOptions,
  type QlikAuth,
  type SessionEndingState,
} from '@qlik-auth/core';
import { useAuthInstance } from './context.js';

/** What {@link useQlikSessionEnding} returns. */
export interface QlikSessionEnding extends SessionEndingState {
  /**
   * Renews the session in a popup (`reauthorizeWithPopup`): no page shows while the user's login
   * session at the tenant lives; otherwise the popup goes on to the login page. Call it from the
   * click of a "Stay signed in" button, or the browser blocks the popup.
   */
  renew(options?: PopupReauthorizeOptions): Promise<CallbackResult>;
}

const NOT_ENDING: SessionEndingState = Object.freeze({ ending: false, renewable: false });
const serverEnding = () => NOT_ENDING;

/**
 * The end of a session that only the user can renew (a single-page-app client's: Qlik Cloud gives
 * those no refresh token), for a "Stay signed in" prompt: `ending` from `endingSeconds` (default
 * 300) before the end, the `secondsLeft` counted down by the core (React runs no timer), whether
 * the session `renewable`s itself at all, and `renew()`, the popup re-authorization to call
 * from the click. A session with a refresh token (or renewed by `iframeRenewal()`) is never
 * `ending`. On the server, never `ending`.
 *
 * @param auth - an instance to use instead of the provider's
 * @example
 * const { ending, secondsLeft, renew } = useQlikSessionEnding();
 * if (ending) return <button onClick={() => renew()}>Stay signed in ({secondsLeft} s)</button>;
 */
export function useQlikSessionEnding(auth?: QlikAuth): QlikSessionEnding {
  const instance = useAuthInstance(auth);
  const store = sessionEnding(instance);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, serverEnding);
  const renew = useCallback(
    (options?: PopupReauthorizeOptions) => reauthorizeWithPopup(instance, options),
    [instance],
  );
  return useMemo(() => ({ ...state, renew }), [state, renew]);
}
