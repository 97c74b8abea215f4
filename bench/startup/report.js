// Shared by the start-up pages: what each page reports to bench/startup.mjs. `performance.now()`
// counts from the navigation's start (the page's time origin), so every figure includes fetching
// the HTML and the bundle, compiling and evaluating it, and the library's own work.

/** Milliseconds since navigation start at which this module's bundle finished evaluating. */
export const evaluated = performance.now();

/** Publishes the time of the first answer (a token, a user, a read) and a sample of it. */
export function report(answer) {
  const done = performance.now();
  window.startup = { evaluated, done, sample: String(answer).slice(0, 12) };
}

/** Publishes a failure, so that the bench says what went wrong instead of waiting forever. */
export function fail(error) {
  window.startup = { error: String(error?.message ?? error) };
}
