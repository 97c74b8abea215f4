import { Hono } from 'hono';
import type { ClientConfig } from '../config/config.js';
import { clientCors, readLimit } from '../http/middleware.js';
import { oauthError } from '../http/errors.js';
import { oauthKey, rateLimit } from '../http/rate-limit.js';
import {
  basicCredentials,
  methodNotAllowed,
  readParams,
  requireParam,
  stringParam,
  type Params,
} from '../http/request.js';
import { ACCESS_TOKEN_TYPE, type Purpose } from '../state/tenant.js';
import { OFFLINE_ACCESS, accessTokenTtlSeconds, allowedScopes } from '../config/client-policy.js';
import type { Ctx, Env, Shared } from '../context.js';

/**
 * The token endpoint (all five grants of the OpenAPI) and revocation (RFC 7009), mounted at
 * `/oauth`.
 */
export function createTokenRoutes(shared: Shared): Hono<Env> {
  const { tenant, issuerOf } = shared;

  /** POST /oauth/token: all five grants of the OpenAPI. */
  async function token(c: Ctx): Promise<Response> {
    const entry = c.get('entry');
    const params = await readParams(c);
    const grantType = requireParam(params, 'grant_type');
    if (entry) entry.grantType = grantType;
    const basic = basicCredentials(c);
    const clientId = basic?.clientId ?? stringParam(params, 'client_id');
    const secret = basic?.clientSecret ?? stringParam(params, 'client_secret');
    if (clientId && entry) entry.clientId = clientId;
    if (params.client_assertion !== undefined) {
      throw oauthError(400, 'invalid_request', 'client_assertion is not supported by the emulator');
    }
    const issuer = issuerOf(c);
    const send = (body: object) => c.json(body, 200);
    // Client credentials may come in the body or as HTTP Basic (client_secret_basic).
    const requireClientId = () => {
      if (!clientId) throw oauthError(400, 'invalid_request', 'client_id is required');
    };
    const requireSecret = () => {
      requireClientId();
      if (!secret) throw oauthError(400, 'invalid_request', 'client_secret is required');
    };
    // A confidential grant may ask only for scopes assigned to the client (default user_default).
    // It is machine to machine, which Qlik Cloud never gives a refresh token ("Configuring OAuth
    // token duration", https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-token-duration.htm),
    // so offline_access is left out of the scope it is granted, as for an spa's sign-in.
    const clientScope = (client: ClientConfig): string => {
      const requested = (stringParam(params, 'scope') ?? 'user_default')
        .split(/\s+/)
        .filter(Boolean);
      if (!requested.length) return 'user_default';
      const allowed = allowedScopes(client);
      const unknown = requested.filter((s) => !allowed.includes(s));
      if (unknown.length) {
        throw oauthError(
          400,
          'invalid_scope',
          `scope not allowed for this client: ${unknown.join(' ')}`,
        );
      }
      const granted = [...new Set(requested)].filter((s) => s !== OFFLINE_ACCESS);
      return granted.length ? granted.join(' ') : 'user_default';
    };

    switch (grantType) {
      case 'authorization_code': {
        const code = requireParam(params, 'code');
        const verifier = requireParam(params, 'code_verifier');
        const redirectUri = requireParam(params, 'redirect_uri');
        requireClientId();
        const client = tenant.authenticateClient(clientId, secret);
        let resolved: string;
        try {
          resolved = new URL(redirectUri, issuer).href;
        } catch {
          throw oauthError(400, 'invalid_request', 'redirect_uri is not a URL');
        }
        return send(await tenant.codes.redeem(issuer, client, code, verifier, resolved));
      }
      case 'refresh_token': {
        const refreshToken = requireParam(params, 'refresh_token');
        if (clientId) tenant.authenticateClient(clientId, secret);
        try {
          const { response } = await tenant.grants.refresh(issuer, clientId, secret, refreshToken);
          return send(response);
        } catch (error) {
          if ((error as { reuseDetected?: boolean }).reuseDetected && entry) {
            entry.reuseDetected = true;
          }
          throw error;
        }
      }
      case 'urn:ietf:params:oauth:grant-type:token-exchange': {
        requireClientId();
        const subjectToken = requireParam(params, 'subject_token');
        const subjectType = requireParam(params, 'subject_token_type');
        const purpose = requireParam(params, 'purpose');
        if (subjectType !== ACCESS_TOKEN_TYPE) {
          throw oauthError(
            400,
            'invalid_request',
            `subject_token_type must be ${ACCESS_TOKEN_TYPE}`,
          );
        }
        if (purpose !== 'websocket' && purpose !== 'webresource') {
          throw oauthError(400, 'invalid_request', 'purpose must be websocket or webresource');
        }
        if (entry) entry.purpose = purpose;
        // The OpenAPI's oauth-token-exchange has no client_secret: the subject token, bound to
        // the client, is the proof. A secret that is sent must still be the right one.
        const client =
          secret === undefined
            ? tenant.identifyClient(clientId)
            : tenant.authenticateClient(clientId, secret);
        return send(
          await tenant.accessTokens.exchange(issuer, client, subjectToken, purpose as Purpose),
        );
      }
      case 'client_credentials': {
        requireSecret();
        const client = tenant.authenticateClient(clientId, secret);
        const scope = clientScope(client);
        const ttl = accessTokenTtlSeconds(tenant.config, client);
        const { token: accessToken, record } = await tenant.accessTokens.issue(
          issuer,
          { clientId: client.clientId, scope },
          ttl,
        );
        return send({
          access_token: accessToken,
          token_type: 'bearer',
          ...tenant.expiry(record.expiresAt, ttl),
          scope,
        });
      }
      case 'urn:qlik:oauth:user-impersonation': {
        requireSecret();
        let lookup = params.user_lookup;
        if (typeof lookup === 'string') {
          try {
            lookup = JSON.parse(lookup);
          } catch {
            throw oauthError(400, 'invalid_request', 'user_lookup must be an object');
          }
        }
        const field = (lookup as Params | undefined)?.field;
        const value = (lookup as Params | undefined)?.value;
        if ((field !== 'subject' && field !== 'userId') || typeof value !== 'string' || !value) {
          throw oauthError(
            400,
            'invalid_request',
            'user_lookup needs field (subject or userId) and value',
          );
        }
        const client = tenant.authenticateClient(clientId, secret);
        if (!client.allowImpersonation) {
          throw oauthError(400, 'unauthorized_client', 'this client may not impersonate users');
        }
        const user = tenant.config.users.find(
          (u) => (field === 'subject' ? u.subject : u.id) === value,
        );
        if (!user) throw oauthError(400, 'invalid_request', 'no user matches user_lookup');
        const scope = clientScope(client);
        tenant.assertUserMayGetTokens(user.id, true);
        const { response } = await tenant.grants.issue(issuer, {
          userId: user.id,
          clientId: client.clientId,
          scope,
          flow: 'm2m',
        });
        return send(response);
      }
      default:
        throw oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
  }

  /** POST /oauth/revoke (RFC 7009). */
  async function revoke(c: Ctx): Promise<Response> {
    const params = await readParams(c);
    const value = requireParam(params, 'token');
    const hint = stringParam(params, 'token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw oauthError(
        400,
        'invalid_request',
        'token_type_hint must be access_token or refresh_token',
      );
    }
    const basic = basicCredentials(c);
    const clientId = basic?.clientId ?? stringParam(params, 'client_id');
    const secret = basic?.clientSecret ?? stringParam(params, 'client_secret');
    // The client that names itself must be who it says (RFC 7009 section 2.1).
    if (clientId !== undefined) tenant.authenticateClient(clientId, secret);
    await tenant.revoke(value, clientId, secret);
    return c.json({}, 200);
  }

  // Both are Tier 2 in Qlik's OAuth OpenAPI (`x-qlik-tier`), and share one budget per user.
  const tier2 = rateLimit(shared, 2, oauthKey(shared));
  return new Hono<Env>()
    .use('*', clientCors(shared, ['POST']))
    .post('/token', readLimit, tier2, token)
    .post('/revoke', readLimit, tier2, revoke)
    .all('/token', () => methodNotAllowed('POST'))
    .all('/revoke', () => methodNotAllowed('POST'));
}
