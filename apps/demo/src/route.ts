import { useSyncExternalStore } from 'react';

/**
 * The smallest router the demo needs: the address bar is the store, `?app=<id>` the only route
 * parameter. Read with useSyncExternalStore, like the auth state.
 */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/**
 * Goes to a same-origin path, as a router's `navigate` would. The app has one route, `/`: any
 * other path is another page of the site (a sign-in that started there comes back through the
 * callback page), and is loaded.
 */
export function go(to: string, { replace = false } = {}): void {
  if (new URL(to, location.href).pathname !== '/') {
    if (replace) location.replace(to);
    else location.assign(to);
    return;
  }
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of [...listeners]) listener();
}

/** The app opened by the URL (`?app=<id>`), if any. */
export function useAppRoute(): string | null {
  const search = useSyncExternalStore(subscribe, () => location.search);
  return new URLSearchParams(search).get('app');
}
