import type { Session } from './session.js';

/**
 * The longest a single timer waits. Timers stop while a machine sleeps and are throttled in
 * hidden tabs, so a timer set for "in 50 minutes" may fire hours late: every wait is cut into
 * pieces of at most this length, and each piece compares the clock with the due time instead of
 * trusting the time a timer says it waited.
 */
export const MAX_TIMER_MS = 60_000;

/**
 * The least time between a token's arrival and its renewal. Whatever the expiry says (a clock
 * far ahead of the tenant's can make a fresh token look expired), tokens are not renewed in a
 * loop: at most once per this long.
 */
export const RENEWAL_FLOOR_MS = 5000;

/**
 * When a token should be renewed: `leewayMs` before it expires, or half-way through its life for
 * a token that lives shorter than twice the leeway, so that a short-lived token is still used for
 * a while instead of being refreshed again and again; never sooner than {@link RENEWAL_FLOOR_MS}
 * after it arrived. A token of unknown lifetime gets the leeway.
 */
export function renewAt(token: Pick<Session, 'expiresAt' | 'issuedAt'>, leewayMs: number): number {
  const issuedAt = token.issuedAt ?? 0;
  return Math.max(
    token.expiresAt - Math.min(leewayMs, (token.expiresAt - issuedAt) / 2),
    issuedAt + RENEWAL_FLOOR_MS,
  );
}

/** One timer of an instance: runs `check` once the clock reaches the time given to `at`. */
export interface Scheduler {
  /** Runs `check` at `time` (epoch milliseconds; `Infinity`: never), replacing any earlier time. */
  at(time: number): void;
  /** Clears the timer and the listeners. */
  stop(): void;
}

/**
 * Creates the scheduler of an instance. Besides its timer, it runs `check` when the page becomes
 * visible again (a hidden tab's timers may not have run), and `onOnline` when the browser is back
 * online. Nothing here reads storage or takes a lock; `check` decides what to do.
 */
export function createScheduler(
  now: () => number,
  check: () => void,
  onOnline: () => void,
): Scheduler {
  let due = Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listening = new AbortController();
  if (globalThis.document) {
    const { signal } = listening;
    document.addEventListener('visibilitychange', () => !document.hidden && check(), { signal });
    window.addEventListener('online', onOnline, { signal });
  }
  function arm(): void {
    clearTimeout(timer);
    timer =
      due < Infinity
        ? setTimeout(() => (now() < due ? arm() : check()), Math.min(due - now(), MAX_TIMER_MS))
        : undefined;
  }
  return {
    at(time) {
      due = time;
      arm();
    },
    stop() {
      listening.abort();
      due = Infinity;
      arm();
    },
  };
}
