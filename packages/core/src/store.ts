import type { QlikAuthError } from './errors.js';
import type { AuthUser } from './session.js';

/** Where the session stands. */
export type AuthStatus = 'loading' | 'signedOut' | 'signedIn';

/**
 * What a UI reads. Holds no token: the access token is handed out by `getToken()`, and the
 * refresh token never leaves the core.
 */
export interface AuthState {
  readonly status: AuthStatus;
  /** The last failure worth showing (a failed callback, a failed sign-in start). */
  readonly error?: QlikAuthError;
  /** Epoch milliseconds at which the access token expires. */
  readonly expiresAt?: number;
  /** The scopes the tenant granted. */
  readonly scopes?: readonly string[];
  readonly user?: AuthUser;
}

/** A listener of state changes; read the new state with `getSnapshot()`. */
export type Listener = () => void;

const key = (state: AuthState) =>
  JSON.stringify([state.status, state.expiresAt, state.scopes, state.user]);

/**
 * The external store React's `useSyncExternalStore` reads: `get()` returns the same object until
 * the content changes, because a new identity on every read would re-render (or loop) forever.
 */
export function createStateStore(initial: AuthState) {
  let state = Object.freeze(initial);
  const listeners = new Set<Listener>();
  return {
    get: () => state,
    /** Replaces the state when its content differs; otherwise keeps the old identity. */
    set(next: AuthState): void {
      if (next.error === state.error && key(next) === key(state)) return;
      state = Object.freeze(next);
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
}
