/**
 * `@qlik-auth/react`: React bindings for `@qlik-auth/core`. A thin layer over the core's store:
 * `useSyncExternalStore` on its `subscribe`/`getSnapshot`, no state of its own. React 18 and 19,
 * StrictMode- and SSR-safe. Everything of the core is re-exported.
 *
 * @example
 * const auth = createQlikAuth({ host: 'tenant.eu.qlikcloud.com', clientId: '...' });
 *
 * function App() {
 *   const { user, signOut } = useQlikAuth();
 *   return <button onClick={() => signOut()}>Sign out {user?.name}</button>;
 * }
 *
 * createRoot(el).render(
 *   <QlikAuthProvider auth={auth}>
 *     <RequireQlikAuth fallback="Signing in...">
 *       <App />
 *     </RequireQlikAuth>
 *   </QlikAuthProvider>,
 * );
 */
// Named, not `export *`: the built modules start with 'use client', and a client module may not
// re-export with a star (React Server Components need the names). The types ride along with
// `export type *`. A test checks that every value the core exports is here.
export {
  createQlikAuth,
  iframeRenewal,
  QlikAuthError,
  QlikAuthErrorCode,
  reauthorizeWithPopup,
  sessionEnding,
  signInWithPopup,
  tokenStore,
} from '@qlik-auth/core';
export type * from '@qlik-auth/core';
export { QlikAuthProvider } from './provider.js';
export type { QlikAuthProviderProps } from './provider.js';
export { useQlikAuth } from './use-qlik-auth.js';
export type { QlikAuthValue, QlikSignInOptions } from './use-qlik-auth.js';
export { useQlikToken } from './use-qlik-token.js';
export type { QlikSuspenseToken, QlikToken, QlikTokenOptions } from './use-qlik-token.js';
export { RequireQlikAuth } from './require-qlik-auth.js';
export { useQlikSessionEnding } from './use-qlik-session-ending.js';
export type { QlikSessionEnding } from './use-qlik-session-ending.js';
export type { RequireQlikAuthProps } from './require-qlik-auth.js';
