import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import { classifyError } from './classify.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transport.js';

/**
 * The tenant's metadata, fetched on first need and then kept for the instance's life (RFC 8414
 * section 3); the `issuer` it names must be the configured host (section 3.3), which
 * oauth4webapi checks. Known metadata skips the request. A failed discovery is not kept, so the
 * next sign-in tries again. Restoring a session never needs metadata: reloads stay offline.
 */
export function createDiscovery(
  options: ResolvedOptions,
  transport: Transport,
): () => Promise<AuthorizationServer> {
  let metadata: Promise<AuthorizationServer> | undefined = options.metadata
    ? Promise.resolve(options.metadata)
    : undefined;
  return () => {
    metadata ??= (async () => {
      const issuer = new URL(options.origin);
      const response = await discoveryRequest(issuer, { ...transport, algorithm: 'oauth2' });
      return processDiscoveryResponse(issuer, response);
    })().catch(async (error: unknown) => {
      metadata = undefined;
      throw await classifyError(error);
    });
    return metadata;
  };
}
