import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import { classifyError } from './classify.js';
import { QlikAuthError } from './errors.js';
import { parseUrl, type ResolvedOptions } from './options.js';
import { requireWebCrypto } from './platform.js';
import type { Transport } from './transport.js';

/**
 * The tenant's metadata, fetched on first need and then kept for the instance's life (RFC 8414
 * section 3); the `issuer` it names must be the configured host (section 3.3), which
 * oauth4webapi checks. Known metadata skips the request. The endpoints that receive the code,
 * the PKCE verifier and the tokens must be on the tenant's origin too: metadata naming another
 * origin (a compromised or misconfigured response) fails with `untrusted_url`, and nothing is
 * sent there (RFC 9700 section 4.1.1: no token to a place the client did not choose). A failed
 * discovery is not kept, so the next sign-in tries again. Restoring a session never needs
 * metadata: reloads stay offline. Every protocol step starts here, so this is also where an
 * environment without Web Crypto (which PKCE and the sealed session need) is told so.
 */
export function createDiscovery(
  options: ResolvedOptions,
  transport: Transport,
): () => Promise<AuthorizationServer> {
  let metadata: Promise<AuthorizationServer> | undefined;
  return () => {
    metadata ??= (async () => {
      requireWebCrypto();
      const issuer = new URL(options.origin);
      const as =
        options.metadata ??
        (await processDiscoveryResponse(
          issuer,
          await discoveryRequest(issuer, { ...transport, algorithm: 'oauth2' }),
        ));
      for (const endpoint of ['authorization', 'token', 'revocation']) {
        const url = as[`${endpoint}_endpoint`];
        if (url && parseUrl(url)?.origin !== options.origin) {
          throw new QlikAuthError('untrusted_url', `${endpoint}_endpoint is not on the tenant`);
        }
      }
      return as;
    })().catch(async (error: unknown) => {
      metadata = undefined;
      throw await classifyError(error);
    });
    return metadata;
  };
}
