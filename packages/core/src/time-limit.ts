/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or a rejection with `reason` once `ms` have passed, whichever comes first; the timer
 * goes with it. For what must never wait forever (storage, a request nothing else bounds).
 */
export function timeLimit<T>(promise: Promise<T>, ms: number, reason?: unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(reject, ms, reason))),
  ]).finally(() => clearTimeout(timer));
}
