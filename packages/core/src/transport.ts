import { allowInsecureRequests, customFetch, type HttpRequestOptions } from 'oauth4webapi';
import { QlikAuthError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/** How long a protocol request may take before it counts as a network failure. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The options every oauth4webapi request of an instance gets. */
export type Transport = HttpRequestOptions<'GET' | 'POST', URLSearchParams | undefined>;

/**
 * Wraps the app's fetch for oauth4webapi: a time limit on every request (a promise that never
 * settles would leave the app loading forever), and a rejected fetch (offline, DNS, CORS, dropped
 * connection) becomes a retryable `network_error` right where it happens.
 */
export function createTransport(options: ResolvedOptions): Transport {
  return {
    [customFetch]: (url, init) =>
      options
        // `?.`: browsers older than AbortSignal.timeout still work, without the time limit.
        .fetch(url, { ...init, signal: AbortSignal.timeout?.(REQUEST_TIMEOUT_MS) } as RequestInit)
        .catch((cause: unknown) => {
          throw new QlikAuthError('network_error', `could not reach ${options.origin}`, {
            retryable: true,
            cause,
          });
        }),
    // oauth4webapi refuses plain HTTP unless told, on every call; only a loopback host gets here.
    ...(options.insecure ? { [allowInsecureRequests]: true } : {}),
  };
}
