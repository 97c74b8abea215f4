// Shared by the start-up pages: what each page reports to bench/startup.mjs. `performance.now()`
// counts from the navigation's start (the page's time origin), so every figure includes fetching
// the HTML and the bundle, compiling and evaluating it, and the library's own work.

/** Milliseconds since navigation start at which this module's bundle finished evaluating. */
export const evaluated = performance.now();

/**
 * Publishes the time of the first answer (a token, a user, a read), a sample of it, and `since`:
 * when the work that answered began (where a page says).
 */
export function report(answer, since) {
  const done = performance.now();
  window.startup = { evaluated, done, since, sample: String(answer).slice(0, 12) };
}

/** Publishes a failure, so that the bench says what went wrong instead of waiting forever. */
export function fail(error) {
  window.startup = { error: String(error?.message ?? error) };
}
