import { QlikAuthError } from './errors.js';
import { parseUrl } from './options.js';

/**
 * Resolves a URL against the tenant and refuses any other origin. A bearer token is a key to the
 * user's whole tenant (RFC 6750 section 5.3: never send it to a party that is not the resource
 * server), so a third-party URL, another scheme or port, or a protocol-relative trick fails here
 * before any token is read.
 */
export function tenantUrl(input: string | URL, origin: string): URL {
  const url = parseUrl(String(input), origin);
  if (url?.origin !== origin) {
    throw new QlikAuthError('untrusted_url', `only ${origin} may receive the token`);
  }
  return url;
}

/**
 * `fetch` with `Authorization: Bearer` (RFC 6750 section 2.1) for tenant URLs. Relative paths
 * resolve against the tenant, not the page. A request that cannot be sent rejects with a
 * retryable `network_error`; an abort by the caller stays the caller's `AbortError`.
 */
export async function authorizedFetch(
  fetchImpl: typeof fetch,
  origin: string,
  token: () => Promise<string>,
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const isRequest = typeof input === 'object' && 'headers' in input && 'url' in input;
  const url = tenantUrl(isRequest ? input.url : input, origin);
  const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  headers.set('authorization', `Bearer ${await token()}`);
  try {
    return await fetchImpl(isRequest ? new Request(input, { headers }) : url, { ...init, headers });
  } catch (cause) {
    if ((cause as Error)?.name === 'AbortError') throw cause;
    throw new QlikAuthError('network_error', `could not reach ${url.origin}`, {
      retryable: true,
      cause,
    });
  }
}
