import { retryDelay } from './backoff.js';
import type { QlikAuthError } from './errors.js';
import { renewAt } from './schedule.js';
import type { Session } from './session.js';
import { createStateStore, type Listener } from './store.js';
import type { TokenPurpose } from './types.js';

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
 * `getSnapshot()` returns the same object until the token changes. While anyone subscribes, the
 * instance keeps it fresh on its own schedule: the access token is the session's, renewed ahead
 * of expiry; a purpose token is exchanged again before it expires, and on a failure that may
 * pass, retried with backoff.
 */
export interface TokenStore {
  /**
   * Calls `listener` whenever the snapshot changes; while anyone listens, the core keeps the
   * token fresh. Returns the function that stops listening.
   */
  subscribe(listener: Listener): () => void;
  /** The token, its expiry and its last error; the same object until one of them changes. */
  getSnapshot(): TokenState;
}

/**
 * The shortest time between two fetches of a purpose token: a token that looks expired on
 * arrival (a client clock far ahead of the tenant's) must not be fetched again and again.
 */
const FLOOR_MS = 5000;

interface Entry extends TokenStore {
  store: ReturnType<typeof createStateStore<TokenState>>;
  /** The last failure, shown until a token comes or the session ends. */
  error?: QlikAuthError;
  loading?: boolean;
  failures: number;
  retryAt: number;
}

/**
 * Creates the token stores of an instance, one per purpose on first ask.
 * @param read - the token in memory for a purpose (undefined: none yet), or null when signed out
 * @param load - gets a token of a purpose (from the cache, or by an exchange)
 * @param replan - tells the instance's timer that `due()` may have changed
 */
export function createTokenStores(
  read: (purpose: TokenPurpose) => Session | undefined | null,
  load: (purpose: TokenPurpose) => Promise<unknown>,
  now: () => number,
  leewayMs: number,
  random: () => number,
  replan: () => void,
) {
  const entries = new Map<TokenPurpose, Entry>();

  /**
   * When a purpose token that someone reads must be fetched: now when there is none, before it
   * expires (never sooner than {@link FLOOR_MS} after the last fetch), or when the backoff after a
   * failure ends. The access token is the session's, which
   * the instance renews on its own schedule.
   */
  function dueOf(purpose: TokenPurpose, entry: Entry): number {
    const token = read(purpose);
    return purpose === 'access' || !entry.store.size() || entry.loading || token === null
      ? Infinity
      : entry.error
        ? entry.retryAt
        : token
          ? Math.max(entry.retryAt, renewAt(token, leewayMs))
          : 0;
  }

  /** Brings a store in line with the instance; starts a renewal when one is due and wanted. */
  function update(purpose: TokenPurpose): void {
    const entry = entries.get(purpose)!;
    const token = read(purpose);
    if (token === null) entry.error = undefined;
    const { error } = entry;
    entry.store.set({
      ...(token && { token: token.accessToken, expiresAt: token.expiresAt }),
      ...(error && { error }),
    });
    if (now() < dueOf(purpose, entry)) return;
    entry.loading = true;
    load(purpose)
      .then(
        () => {
          entry.error = undefined;
          entry.failures = 0;
          entry.retryAt = now() + FLOOR_MS;
        },
        (reason: QlikAuthError) => {
          entry.error = reason;
          entry.retryAt = reason.retryable
            ? now() + retryDelay(++entry.failures, random)
            : Infinity;
        },
      )
      .finally(() => {
        entry.loading = false;
        update(purpose);
        replan();
      });
  }

  return {
    /** The store of `purpose`. */
    get(purpose: TokenPurpose): TokenStore {
      let entry = entries.get(purpose);
      if (!entry) {
        const store = createStateStore<TokenState>({});
        entries.set(
          purpose,
          (entry = {
            store,
            failures: 0,
            retryAt: 0,
            getSnapshot: store.get,
            subscribe(listener) {
              const unsubscribe = store.subscribe(listener);
              update(purpose);
              replan();
              return () => {
                unsubscribe();
                replan();
              };
            },
          }),
        );
        update(purpose);
      }
      return entry;
    },
    /** Whether anyone reads the store of `purpose`. */
    watched: (purpose: TokenPurpose) => !!entries.get(purpose)?.store.size(),
    /**
     * Updates every store, fetching what is due. After a change of the instance's state
     * (`changed`), a refused exchange is tried again: its cause (the session) may be gone.
     */
    update(changed?: boolean): void {
      for (const [purpose, entry] of entries) {
        if (changed && entry.retryAt === Infinity) entry.retryAt = 0;
        update(purpose);
      }
    },
    /** The earliest time a purpose token someone reads must be fetched (Infinity: never). */
    due: () => Math.min(...[...entries].map(([purpose, entry]) => dueOf(purpose, entry))),
  };
}
