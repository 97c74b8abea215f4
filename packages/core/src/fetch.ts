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
 * resolve against the tenant, not the page. The input becomes one `Request`, whose URL is checked
 * and which is what gets sent: no object can show one URL to the check and send another. When the
 * tenant answers 401 (the token was revoked, or the clocks disagree), `token(rejected)` is asked
 * for a newer token and the request is sent once more with it; the 401 is the answer when there
 * is none. A request that cannot be sent rejects with a retryable `network_error`; an abort by
 * the caller stays the caller's `AbortError`.
 * @see [RFC 6750 section 3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1)
 */
export async function authorizedFetch(
  fetchImpl: typeof fetch,
  origin: string,
  token: (rejected?: string) => Promise<string>,
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  // Anything but a real Request is read as a URL: a look-alike object stringifies to nothing
  // that resolves to the tenant.
  const request = new Request(
    input instanceof Request ? input : tenantUrl(input as string, origin),
    init,
  );
  const { origin: target } = tenantUrl(request.url, origin);
  async function send(bearer: string): Promise<Response> {
    // A clone: the body of a Request can be read once, and the request may be sent twice.
    const attempt = request.clone();
    attempt.headers.set('authorization', `Bearer ${bearer}`);
    try {
      return await fetchImpl(attempt);
    } catch (cause) {
      if ((cause as Error)?.name === 'AbortError') throw cause;
      throw new QlikAuthError('network_error', `could not reach ${target}`, {
        retryable: true,
        cause,
      });
    }
  }
  const sent = await token();
  const response = await send(sent);
  if (response.status !== 401) return response;
  const fresh = await token(sent).catch(() => sent);
  return fresh === sent ? response : send(fresh);
}
