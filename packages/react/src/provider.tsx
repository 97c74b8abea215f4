import { useEffect, useRef, type ReactElement, type ReactNode } from 'react';
import {
  createQlikAuth,
  type CallbackResult,
  type QlikAuth,
  type QlikAuthOptions,
} from '@qlik-auth/core';
import { QlikAuthContext, callbacks, isRedirectCallback, noop } from './context.js';

/**
 * Props of {@link QlikAuthProvider}: an instance (`auth`), or the options of `createQlikAuth`
 * inline. Inline options are read once, on mount: like `useState(() => new QueryClient())`.
 */
export type QlikAuthProviderProps = {
  /** What the hooks below may read the session from. */
  children?: ReactNode;
  /**
   * Called once the redirect callback has signed the user in, with what `signIn` was given:
   * navigate your router to `result.returnTo` here. Default: `history.replaceState` to it.
   */
  onRedirectCallback?: (result: CallbackResult) => void;
  /** Leave the redirect callback to the app (it calls `auth.handleRedirectCallback()` itself). */
  skipRedirectCallback?: boolean;
} & (
  | {
      /** The instance the hooks read; the app created it and destroys it. */
      auth: QlikAuth;
    }
  | (QlikAuthOptions & {
      /** Not with inline options: the provider creates (and destroys) the instance. */
      auth?: undefined;
    })
);

const replaceUrl = ({ returnTo }: CallbackResult) =>
  returnTo && history.replaceState(history.state, '', returnTo);

/**
 * Makes a `QlikAuth` instance available to {@link useQlikAuth}, {@link useQlikToken} and
 * {@link RequireQlikAuth}, and finishes a sign-in when the page is the redirect callback
 * (the URL carries `state` and `code` or `error`): once per instance, even when StrictMode
 * replays effects. A failed callback lands in the snapshot's `error`.
 *
 * Given inline options it creates the instance once and destroys it on unmount; given `auth`,
 * the instance stays yours.
 *
 * @example
 * const auth = createQlikAuth({ host: 'tenant.eu.qlikcloud.com', clientId: '...' });
 * createRoot(el).render(
 *   <QlikAuthProvider auth={auth} onRedirectCallback={({ returnTo }) => navigate(returnTo ?? '/')}>
 *     <App />
 *   </QlikAuthProvider>,
 * );
 */
export function QlikAuthProvider(props: QlikAuthProviderProps): ReactElement {
  const { onRedirectCallback, skipRedirectCallback } = props;
  const owned = useRef<QlikAuth>(undefined);
  const mounts = useRef(0);
  // A server render keeps nothing and must touch no browser storage: memory is all it needs.
  const auth =
    props.auth ??
    (owned.current ??= createQlikAuth(
      typeof window === 'undefined' ? { ...props, storage: 'memory' } : (props as QlikAuthOptions),
    ));
  const latest = useRef(onRedirectCallback);

  useEffect(() => {
    latest.current = onRedirectCallback;
  });

  useEffect(() => {
    if (skipRedirectCallback || callbacks.has(auth) || !isRedirectCallback()) return;
    callbacks.set(
      auth,
      auth
        .handleRedirectCallback()
        .then((result) => (latest.current ?? replaceUrl)(result), noop)
        .finally(() => callbacks.set(auth, undefined)),
    );
  }, [auth, skipRedirectCallback]);

  useEffect(() => {
    const own = owned.current;
    if (!own) return;
    mounts.current += 1;
    return () => {
      mounts.current -= 1;
      // StrictMode and Fast Refresh disconnect and reconnect effects in one go: destroy only
      // when no reconnect followed, so the instance children hold stays alive.
      setTimeout(() => mounts.current || own.destroy());
    };
  }, []);

  return <QlikAuthContext.Provider value={auth}>{props.children}</QlikAuthContext.Provider>;
}
