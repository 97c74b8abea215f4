import type { QlikAuthError, QlikAuthErrorData } from './errors.js';
import type { AuthUser } from './session.js';

/** Where the session stands. */
export type AuthStatus = 'loading' | 'signedOut' | 'signedIn';

/**
 * What a UI reads. Holds no token: the access token is handed out by `getToken()`, and the
 * refresh token never leaves the core.
 */
export interface AuthState {
  /** `loading` until the stored session has been read, then `signedIn` or `signedOut`. */
  readonly status: AuthStatus;
  /**
   * The last failure worth showing: why the session ended (`session_expired`, `token_expired`),
   * a failed callback or sign-in start, or, while signed in, the refresh being retried.
   */
  readonly error?: QlikAuthError;
  /** Epoch milliseconds at which the access token expires. */
  readonly expiresAt?: number;
  /** The scopes the tenant granted. */
  readonly scopes?: readonly string[];
  /** Who is signed in, from the tenant's `/api/v1/users/me` at sign-in (never from the token). */
  readonly user?: AuthUser;
  /**
   * Why `user` is missing: the tenant's `users/me` failed at sign-in (`request_rejected` with
   * `status` 403 where the client's scopes do not allow it, `network_error`, `timeout`, ...).
   * The session works without it.
   */
  readonly userError?: QlikAuthErrorData;
  /** Present (true) while the tokens are being renewed, including retries after failures. */
  readonly refreshing?: boolean;
  /** Present (true) while a refresh waits for the browser to be back online. */
  readonly offline?: boolean;
  /**
   * While signed in: whether the session can be renewed without the user, with a refresh token
   * (native and web clients) or a silent re-authorization (`renewal: iframeRenewal()`, until the
   * tenant refuses it). When false, the session ends at `expiresAt` unless the user renews it:
   * `reauthorizeWithPopup` from a click, or `reauthorize()`.
   */
  readonly renewable?: boolean;
  /**
   * Present (true) from `endingSeconds` before a session that cannot be renewed without the user
   * ends (at `expiresAt`): the moment to offer "Stay signed in".
   */
  readonly ending?: boolean;
}

/** A listener of state changes; read the new state with `getSnapshot()`. */
export type Listener = () => void;

/** The content of a state but its error (compared by identity): states are built in one order. */
const key = ({ error: _error, ...content }: { error?: unknown }) => JSON.stringify(content);

/**
 * The external store React's `useSyncExternalStore` reads: `get()` returns the same object until
 * the content changes, because a new identity on every read would re-render (or loop) forever.
 * The session's state, and each token store's.
 */
export function createStateStore<T extends { error?: unknown } = AuthState>(initial: T) {
  let state = Object.freeze(initial);
  const listeners = new Set<Listener>();
  return {
    get: () => state,
    /** How many listeners there are. */
    size: () => listeners.size,
    /** Replaces the state when its content differs; otherwise keeps the old identity. */
    set(next: T): void {
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
