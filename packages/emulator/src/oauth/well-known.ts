import { Hono } from 'hono';
import { methodNotAllowed } from '../http/request.js';
import type { Env, Shared } from '../context.js';

const GRANTS = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:qlik:oauth:user-impersonation',
];

/**
 * RFC 8414 authorization server metadata and the signing keys, mounted at `/.well-known`. Public
 * documents: any origin may read them.
 */
export function createWellKnownRoutes(shared: Shared): Hono<Env> {
  const { tenant, issuerOf } = shared;
  const open = { 'access-control-allow-origin': '*' };
  return new Hono<Env>()
    .get('/oauth-authorization-server', (c) => {
      const issuer = issuerOf(c);
      return c.json(
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          authorization_endpoint: `${issuer}/oauth/authorize`,
          token_endpoint: `${issuer}/oauth/token`,
          revocation_endpoint: `${issuer}/oauth/revoke`,
          grant_types_supported: GRANTS,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: [
            'none',
            'client_secret_post',
            'client_secret_basic',
          ],
        },
        200,
        open,
      );
    })
    .get('/jwks.json', async (c) => c.json(await tenant.accessTokens.jwks(), 200, open))
    .all('/oauth-authorization-server', () => methodNotAllowed('GET'))
    .all('/jwks.json', () => methodNotAllowed('GET'));
}
