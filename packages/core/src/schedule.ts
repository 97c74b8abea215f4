import type { Session } from './session.js';

/**
 * The longest a single timer waits. Timers stop while a machine sleeps and are throttled in
 * hidden tabs, so a timer set for "in 50 minutes" may fire hours late: every wait is cut into
 * pieces of at most this length, and each piece compares the clock with the due time instead of
 * trusting the time a timer says it waited.
 */
export const MAX_TIMER_MS = 60_000;

/**
 * The least time between a token's arrival and its renewal when the token looks expired on
 * arrival: then this clock and the tenant's disagree and nothing could correct it (an opaque
 * token, no readable `Date`), and without a floor every renewal would be followed by another at
 * once. At most one renewal per this long.
 */
export const RENEWAL_FLOOR_MS = 5000;

/**
 * The floor for a token that lives, however briefly: short enough for the seconds-long tokens
 * of a test tenant, long enough that no loop can form.
 */
const SHORT_FLOOR_MS = 1000;

/**
 * When a token should be renewed: `leewayMs` before it expires, or half-way through its life for
 * a token that lives shorter than twice the leeway, so that a short-lived token is still used for
 * a while instead of being refreshed again and again; never sooner than a floor after it
 * arrived ({@link RENEWAL_FLOOR_MS} for a token that arrived expired, else one second). A token
 * of unknown lifetime gets the leeway.
 */
export function renewAt(token: Pick<Session, 'expiresAt' | 'issuedAt'>, leewayMs: number): number {
  const issuedAt = token.issuedAt ?? 0;
  const life = token.expiresAt - issuedAt;
  return Math.max(
    token.expiresAt - Math.min(leewayMs, life / 2),
    issuedAt + (life > 0 ? SHORT_FLOOR_MS : RENEWAL_FLOOR_MS),
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
