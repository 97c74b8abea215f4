import { useEffect, useRef, type ReactElement, type ReactNode } from 'react';
import {
  createQlikAuth,
  type CallbackResult,
  type QlikAuth,
  type QlikAuthOptions,
} from '@qlik-auth/core';
import { QlikAuthContext, SERVER_STATE, isRedirectCallback, noop } from './context.js';

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

/** Instances whose redirect callback a provider has taken on: once each, whatever remounts. */
const handled = new WeakSet<QlikAuth>();

const METHODS =
  'subscribe signIn reauthorize handleRedirectCallback getToken fetch webSocketUrl webResourceUrl signOut internals';

/**
 * An instance made on first use. A render may be thrown away without a commit or a cleanup
 * (React 18 StrictMode renders a component twice on mount and keeps the second): an instance made
 * in that render would keep its channel, listeners and timers for good. Nothing happens here until
 * a method is called, which a discarded render of the provider never does.
 */
function lazyInstance(options: QlikAuthOptions): QlikAuth {
  let instance: QlikAuth | undefined;
  const lazy = Object.fromEntries(
    METHODS.split(' ').map((name) => [
      name,
      (...args: unknown[]) =>
        (
          (instance ??= createQlikAuth(options)) as unknown as Record<
            string,
            (...args: unknown[]) => unknown
          >
        )[name]!(...args),
    ]),
  );
  return Object.defineProperties(
    Object.assign(lazy, {
      getSnapshot: () => instance?.getSnapshot() ?? SERVER_STATE,
      destroy: () => instance?.destroy(),
    }),
    // Read by a client configured from the instance (qlik-embed's host config), in an effect.
    { origin: { get: () => (instance ??= createQlikAuth(options)).origin, enumerable: true } },
  ) as unknown as QlikAuth;
}

/**
 * Makes a `QlikAuth` instance available to {@link useQlikAuth}, {@link useQlikToken} and
 * {@link RequireQlikAuth}, and finishes a sign-in when the page is the redirect callback
 * (the URL carries `state` and `code` or `error`, or Qlik's `error` and `error_code`): once per
 * instance, even when StrictMode replays effects. A failed callback lands in the snapshot's
 * `error`. In a popup of `signIn({ popup: true })`, the callback is handed to the opener.
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
    (owned.current ??= lazyInstance(
      typeof window === 'undefined' ? { ...props, storage: 'memory' } : (props as QlikAuthOptions),
    ));
  const latest = useRef(onRedirectCallback);

  useEffect(() => {
    latest.current = onRedirectCallback;
  });

  useEffect(() => {
    if (skipRedirectCallback || handled.has(auth) || !isRedirectCallback()) return;
    handled.add(auth);
    // While it runs the core says `loading`, so no guard signs in and no suspended token gives up.
    auth.handleRedirectCallback().then((result) => (latest.current ?? replaceUrl)(result), noop);
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
