import type { AuthState, QlikAuth, QlikAuthError, TokenPurpose } from '@qlik-auth/core';

/** The last token of one purpose, or why there is none, and the session state it was asked in. */
export interface TokenValue {
  readonly token?: string;
  readonly expiresAt?: number;
  readonly error?: QlikAuthError;
  /** The auth snapshot current when the token was asked for. */
  readonly for?: AuthState;
}

/** An external store of one instance's token of one purpose, as `useSyncExternalStore` reads it. */
export interface TokenSource {
  subscribe(listener: () => void): () => void;
  get(): TokenValue;
  /** Asks the core for the token; calls for the same session state share one promise. */
  load(): Promise<void>;
}

const EMPTY: TokenValue = Object.freeze({});
export const serverToken = (): TokenValue => EMPTY;

/** Ask again this long before expiry. The core refreshes earlier (its leeway is 60 s). */
const AHEAD_MS = 30_000;
/** After a retryable failure, or for a token whose expiry cannot be read. */
const RETRY_MS = 10_000;

const sources = new WeakMap<QlikAuth, Map<TokenPurpose, TokenSource>>();

/**
 * The one source per instance and purpose: every hook reading it shares its token, its pending
 * promise (what Suspense waits for) and its renewal timer.
 */
export function tokenSource(auth: QlikAuth, purpose: TokenPurpose): TokenSource {
  let byPurpose = sources.get(auth);
  if (!byPurpose) sources.set(auth, (byPurpose = new Map()));
  let source = byPurpose.get(purpose);
  if (!source) byPurpose.set(purpose, (source = createTokenSource(auth, purpose)));
  return source;
}

/** The `exp` claim of a JWT in epoch milliseconds; undefined for an opaque token. */
function jwtExpiry(token: string): number | undefined {
  try {
    const { exp } = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function createTokenSource(auth: QlikAuth, purpose: TokenPurpose): TokenSource {
  let value = EMPTY;
  let pending: Promise<void> | undefined;
  let pendingFor: AuthState | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watching = false;
  const listeners = new Set<() => void>();

  /**
   * Delay of the next look at the token. Shortly before expiry; when the core handed back the
   * same token (its own renewal point is later), halfway to expiry: never a tight loop.
   */
  function nextCheck(next: TokenValue): number | undefined {
    if (next.error) return next.error.retryable ? RETRY_MS : undefined;
    if (!next.expiresAt) return RETRY_MS;
    const left = next.expiresAt - Date.now();
    return Math.min(
      Math.max(next.token === value.token ? left / 2 : left - AHEAD_MS, 1000),
      2 ** 31 - 1,
    );
  }

  function load(): Promise<void> {
    const snapshot = auth.getSnapshot();
    if (pending && pendingFor === snapshot) return pending;
    if (!watching) {
      watching = true;
      // Follows the session for as long as the instance lives: a new session state means a
      // new token to ask for; with nobody reading, a token of a session that ended is dropped.
      auth.subscribe(() => {
        // Asked after the core has finished its own notification, never from inside it.
        if (listeners.size) queueMicrotask(load);
        else if (auth.getSnapshot().status !== 'signedIn') value = EMPTY;
      });
    }
    pendingFor = snapshot;
    const promise: Promise<void> = auth
      .getToken({ purpose })
      .then(
        (token): TokenValue => ({
          token,
          expiresAt: purpose === 'access' ? auth.getSnapshot().expiresAt : jwtExpiry(token),
        }),
        (error: QlikAuthError): TokenValue => ({ error }),
      )
      .then((next) => {
        if (promise !== pending) return; // a call for a newer session state took over
        pending = undefined;
        clearTimeout(timer);
        const delay = listeners.size ? nextCheck(next) : undefined;
        if (delay !== undefined) timer = setTimeout(load, delay);
        if (next.token === value.token && !next.error && !value.error && snapshot === value.for) {
          return;
        }
        value = { ...next, for: snapshot };
        for (const listener of [...listeners]) listener();
      });
    pending = promise;
    return promise;
  }

  return {
    get: () => value,
    load,
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) void load();
      return () => {
        listeners.delete(listener);
        if (!listeners.size) clearTimeout(timer);
      };
    },
  };
}
