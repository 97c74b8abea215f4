import { retryDelay } from './backoff.js';
import type { QlikAuthError } from './errors.js';
import { createScheduler, renewAt, type Scheduler } from './schedule.js';
import type { Session } from './session.js';
import { createStateStore, type Listener } from './store.js';
import type { ResolvedOptions } from './options.js';
import type { QlikAuth, TokenPurpose } from './types.js';

/** What a {@link TokenStore} holds: the token of one purpose, or why there is none. */
export interface TokenState {
  /** The token while signed in and one is in hand. */
  readonly token?: string;
  /** Epoch milliseconds at which `token` expires (from the token response, never decoded). */
  readonly expiresAt?: number;
  /** The last failure to get a token of this purpose (the exchange was refused, the network). */
  readonly error?: QlikAuthError;
}

/**
 * The token of one purpose as an external store (`useSyncExternalStore` reads it as it is):
 * `getSnapshot()` returns the same object until the token changes. While anyone subscribes, it is
 * kept fresh: the access token is the session's, which the instance then renews ahead of expiry
 * (even with `autoRefresh: false`); a purpose token is exchanged again before it expires, and on a
 * failure that may pass, retried with backoff.
 */
export interface TokenStore {
  /**
   * Calls `listener` whenever the snapshot changes; while anyone listens, the token is kept
   * fresh. Returns the function that stops listening.
   */
  subscribe(listener: Listener): () => void;
  /** The token, its expiry and its last error; the same object until one of them changes. */
  getSnapshot(): TokenState;
}

/** What the stores of an instance need of it (not part of the public type). */
export interface Internals {
  /** The token in memory for a purpose (undefined: none yet), or null when signed out. */
  peek(
    purpose: TokenPurpose,
  ): Pick<Session, 'accessToken' | 'expiresAt' | 'issuedAt'> | undefined | null;
  /** One reader more (1) or fewer (-1) of the access token: while any, it is renewed ahead. */
  watch(readers: 1 | -1): void;
  /** The instance's resolved options: its clock, leeway and random source. */
  options: Pick<ResolvedOptions, 'now' | 'leewayMs' | 'random'>;
}

/** The internals of an instance (a lazy one of `@qlik-auth/react` passes the call on). */
export const internalsOf = (auth: QlikAuth) =>
  (auth as unknown as { internals(): Internals }).internals();

/**
 * The shortest time between two fetches of a purpose token: a token that looks expired on
 * arrival (a client clock far ahead of the tenant's) must not be fetched again and again.
 */
const FLOOR_MS = 5000;

const stores = new WeakMap<QlikAuth, Map<TokenPurpose, TokenStore>>();

/**
 * The token of one purpose (default `access`) of an instance as a store for UIs: `subscribe` plus
 * a `getSnapshot()` of `{ token, expiresAt, error }` whose identity changes only with its content.
 * While subscribed, the token is kept fresh on its own schedule (renewed ahead of expiry, retried
 * with backoff), so a reader needs no timer and decodes no token. The same store for every call
 * with an instance and a purpose. `@qlik-auth/react`'s `useQlikToken` reads it.
 * @example
 * const store = tokenStore(auth, 'webresource');
 * store.subscribe(() => (img.src = withToken(store.getSnapshot().token)));
 */
export function tokenStore(auth: QlikAuth, purpose: TokenPurpose = 'access'): TokenStore {
  let byPurpose = stores.get(auth);
  if (!byPurpose) stores.set(auth, (byPurpose = new Map()));
  let store = byPurpose.get(purpose);
  if (!store) byPurpose.set(purpose, (store = createTokenStore(auth, purpose)));
  return store;
}

function createTokenStore(auth: QlikAuth, purpose: TokenPurpose): TokenStore {
  const internals = internalsOf(auth);
  const { peek } = internals;
  const { now, leewayMs, random } = internals.options;
  const state = createStateStore<TokenState>({});
  /** The last failure, shown until a token comes or the session ends. */
  let error: QlikAuthError | undefined;
  let loading = false;
  let failures = 0;
  let retryAt = 0;
  /** While anyone listens: the timer, and what stops listening to the instance. */
  let scheduler: Scheduler | undefined;
  let stop: (() => void) | undefined;

  /**
   * When a purpose token that someone reads must be fetched: now when there is none, before it
   * expires (never sooner than {@link FLOOR_MS} after the last fetch), or when the backoff after a
   * failure ends. The access token is the session's, which the instance renews.
   */
  function dueAt(): number {
    const token = peek(purpose);
    return purpose === 'access' || !state.size() || loading || token === null
      ? Infinity
      : error
        ? retryAt
        : token
          ? Math.max(retryAt, renewAt(token, leewayMs))
          : 0;
  }

  /** Brings the store in line with the instance; fetches the token when it is due. */
  function update(): void {
    const token = peek(purpose);
    if (token === null) error = undefined;
    state.set({
      ...(token && { token: token.accessToken, expiresAt: token.expiresAt }),
      ...(error && { error }),
    });
    const due = dueAt();
    if (now() < due) return scheduler?.at(due);
    loading = true;
    auth
      .getToken({ purpose })
      .then(
        () => {
          error = undefined;
          failures = 0;
          retryAt = now() + FLOOR_MS;
        },
        (reason: QlikAuthError) => {
          error = reason;
          retryAt = reason.retryable ? now() + retryDelay(++failures, random) : Infinity;
        },
      )
      .finally(() => {
        loading = false;
        update();
      });
  }

  return {
    getSnapshot: () => (state.size() || update(), state.get()),
    subscribe(listener) {
      const unsubscribe = state.subscribe(listener);
      if (!stop) {
        if (purpose === 'access') internals.watch(1);
        scheduler = createScheduler(now, update, update);
        // After a change of the session, a refused exchange is tried again: its cause may be gone.
        const stopAuth = auth.subscribe(() => {
          if (retryAt === Infinity) retryAt = 0;
          update();
        });
        stop = () => {
          stopAuth();
          scheduler?.stop();
          if (purpose === 'access') internals.watch(-1);
        };
      }
      update();
      return () => {
        unsubscribe();
        if (state.size()) return;
        stop?.();
        stop = undefined;
      };
    },
  };
}
