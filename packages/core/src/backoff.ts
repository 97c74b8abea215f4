/** The first retry waits up to this long; each further failure doubles the bound. */
export const RETRY_BASE_MS = 1000;
/** No retry waits longer than this. */
export const RETRY_CAP_MS = 30_000;

/**
 * How long to wait before the next attempt after `failures` consecutive failures: exponential
 * backoff with full jitter, a uniformly random delay in [0, min(cap, base * 2^(failures - 1))).
 * The randomness spreads the retries of many clients (tabs, users) after an outage, so that the
 * tenant is not hit by all of them at the same instant when it comes back.
 * @see [Exponential backoff and jitter](https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
 */
export function retryDelay(failures: number, random: () => number): number {
  return random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (failures - 1));
}
