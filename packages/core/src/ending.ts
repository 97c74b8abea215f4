import { createStateStore, type Listener } from './store.js';
import { internalsOf } from './token-store.js';
import type { QlikAuth } from './types.js';

/** What {@link sessionEnding} holds: the end of a session that only the user can renew. */
export interface SessionEndingState {
  /** True from `endingSeconds` before a session that cannot be renewed without the user ends. */
  readonly ending: boolean;
  /** Whole seconds until that end, counted down every second while `ending`. */
  readonly secondsLeft?: number;
  /** Epoch milliseconds at which the session ends unless renewed, when it cannot renew itself. */
  readonly endsAt?: number;
  /** Signed in with a session that renews itself without the user (a refresh token, a frame). */
  readonly renewable: boolean;
}

/** An external store (`useSyncExternalStore` reads it as it is). */
export interface SessionEndingStore {
  /** Calls `listener` on every change, and every second while the session is ending. */
  subscribe(listener: Listener): () => void;
  /** The current state; the same object until something in it changes. */
  getSnapshot(): SessionEndingState;
}

const stores = new WeakMap<QlikAuth, SessionEndingStore>();

/**
 * The end of the session as a store for a countdown ("Your session ends in 4:12. Stay signed
 * in?"): whether it is ending, the seconds left, and whether it can renew itself at all. A session
 * with a refresh token, or renewed by `iframeRenewal()`, never ends this way; one without (a
 * single-page-app client's on Qlik Cloud) is `ending` from `endingSeconds` (default 300) before
 * its access token expires. It counts down with a timer of its own, only while someone listens
 * and the session is ending; the instance's snapshot changes only when `ending` does. One store
 * per instance, shared by every caller. It counts on the instance's clock (its `now` option).
 * @example
 * sessionEnding(auth).subscribe(() => {
 *   const { ending, secondsLeft } = sessionEnding(auth).getSnapshot();
 *   banner.hidden = !ending;
 *   banner.textContent = `Your session ends in ${secondsLeft} s`;
 * });
 */
export function sessionEnding(auth: QlikAuth): SessionEndingStore {
  let store = stores.get(auth);
  if (store) return store;
  const { now } = internalsOf(auth).options;
  const state = createStateStore<SessionEndingState & { error?: undefined }>({
    ending: false,
    renewable: false,
  });
  let tick: ReturnType<typeof setTimeout> | undefined;
  let stop: (() => void) | undefined;

  function update(): void {
    clearTimeout(tick);
    const { status, renewable, ending, expiresAt } = auth.getSnapshot();
    const signedIn = status === 'signedIn';
    const left = ending && expiresAt !== undefined ? Math.max(0, expiresAt - now()) : undefined;
    state.set({
      ending: !!ending,
      ...(left !== undefined && { secondsLeft: Math.ceil(left / 1000) }),
      ...(signedIn && !renewable && { endsAt: expiresAt }),
      renewable: signedIn && !!renewable,
    });
    // The next whole second, while anyone watches a countdown that has not reached zero.
    if (left && state.size()) tick = setTimeout(update, left % 1000 || 1000);
  }

  store = {
    // Up to date when nobody listens too (then nothing else keeps it so).
    getSnapshot: () => (state.size() || update(), state.get()),
    subscribe(listener) {
      const unsubscribe = state.subscribe(listener);
      stop ??= auth.subscribe(update);
      update();
      return () => {
        unsubscribe();
        if (state.size()) return;
        clearTimeout(tick);
        stop?.();
        stop = undefined;
      };
    },
  };
  stores.set(auth, store);
  return store;
}
