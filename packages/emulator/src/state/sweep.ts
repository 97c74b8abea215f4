/**
 * How often a tenant forgets the records that have ended (expired or revoked tokens and grants,
 * used or expired codes, ended login sessions, expired sign-in transactions): once a minute of
 * its timer, and on any write once a minute of its clock has passed since the last sweep.
 */
export const SWEEP_INTERVAL_MS = 60_000;

/** Something that can forget what has ended: a tenant's state. */
export interface Sweepable {
  sweep(): void;
}

/** The timer that sweeps one tenant's state while it holds anything. */
export interface SweepTimer {
  /** Starts the timer, unless it runs already. */
  start(): void;
  /** Stops it (a reset, or the server closing); the next write starts it again. */
  stop(): void;
  /** Whether it runs. */
  readonly running: boolean;
}

/**
 * Creates the sweep timer of a tenant's state. The timer is the global `setInterval` of the
 * moment it starts, so fake timers (`vi.useFakeTimers()`, `jest.useFakeTimers()`) drive it, and
 * what it forgets is decided by the tenant's own clock. It never keeps a Node process alive
 * (`unref`), and holds the state weakly: a tenant nobody uses any more is collected, and its
 * timer then stops itself.
 */
export function createSweepTimer(state: Sweepable, intervalMs = SWEEP_INTERVAL_MS): SweepTimer {
  const target = new WeakRef(state);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    start() {
      if (timer !== undefined) return;
      const own = setInterval(() => {
        const live = target.deref();
        if (live) live.sweep();
        else clearInterval(own);
      }, intervalMs);
      // Node only: browsers' timers have no unref, and keep no process alive anyway.
      (own as { unref?: () => void }).unref?.();
      timer = own;
    },
    stop,
    get running() {
      return timer !== undefined;
    },
  };
}
