import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Ctx, Env, Shared } from '../context.js';
import type { RateLimitTier } from '../state/rate-limits.js';
import { apiError, type HttpError } from './errors.js';
import { basicCredentials, readParams, type Params } from './request.js';

/**
 * Qlik Cloud's API rate limits on the OAuth endpoints: a request over its tier's limit is
 * answered 429 with `Retry-After` (whole seconds) and Qlik's errors body, as the example of
 * qlik.dev "Rate limiting" (https://qlik.dev/apis/rest/rate-limiting) shows it. The window
 * itself is kept in the tenant's state (`state/rate-limits.ts`).
 */

/** The key of requests that name no registered user or client. */
const ANONYMOUS = 'anonymous';

/** The error of a request refused for `seconds` more, with Qlik's title and detail. */
export function rateLimitError(seconds: number): HttpError {
  return apiError(
    429,
    'HTTP-429',
    'API rate limit reached.',
    `You need to wait ${seconds} seconds until limit is lifted.`,
  );
}

/** The 429 answer: Qlik's body and `Retry-After`; logged like every answer. */
export function rateLimitedResponse(c: Ctx, seconds: number): Response {
  const error = rateLimitError(seconds);
  const entry = c.get('entry');
  if (entry) {
    entry.error = error.entry.code;
    entry.retryAfter = seconds;
  }
  return c.json(error.body, 429, { 'retry-after': String(seconds) });
}

/**
 * Counts the request against its tier's limit for the key `keyOf` finds, and answers 429 in
 * place of the route when the key's window is spent: a refused request changes nothing (no
 * refresh token rotates, nothing is revoked).
 */
export function rateLimit(
  shared: Shared,
  tier: RateLimitTier,
  keyOf: (c: Ctx) => Promise<string> | string,
): MiddlewareHandler<Env> {
  return async (c, next) => {
    const { tenant } = shared;
    if (!tenant.config.rateLimiting) return next();
    const wait = tenant.rateLimits.take(tier, await keyOf(c));
    if (wait === undefined) return next();
    return rateLimitedResponse(c, wait);
  };
}

/**
 * The key of a user, else of a client, else {@link ANONYMOUS}. Only registered ones make a key
 * of their own, so the tenant holds at most one window per user and client of its config.
 */
function keyFor(shared: Shared, userId: string | undefined, clientId: string | undefined): string {
  const { tenant } = shared;
  if (userId !== undefined && tenant.user(userId)) return `user:${userId}`;
  if (clientId !== undefined && tenant.client(clientId)) return `client:${clientId}`;
  return ANONYMOUS;
}

const text = (params: Params, name: string): string | undefined => {
  const value = params[name];
  return typeof value === 'string' && value ? value : undefined;
};

/** The user and client a refresh or access token of this tenant belongs to, if any. */
async function ownerOfToken(
  shared: Shared,
  token: string | undefined,
): Promise<{ userId?: string; clientId?: string }> {
  if (!token) return {};
  const { tenant } = shared;
  const claims = await tenant.grants.open(token);
  if (claims) {
    const userId = tenant.grants.families.get(claims.familyId)?.userId;
    return { clientId: claims.clientId, ...(userId !== undefined ? { userId } : {}) };
  }
  const record = await tenant.accessTokens.recordOf(token);
  if (!record) return {};
  return {
    clientId: record.clientId,
    ...(record.userId !== undefined ? { userId: record.userId } : {}),
  };
}

/**
 * Whose Tier 2 budget a token or revocation request spends. Qlik documents limits "per tier, per
 * user, per tenant", but not how it tells the user of a request that carries no access token.
 * The emulator's choice: the user the request's credential belongs to (the code's user, the
 * refresh token's, the subject token's, the revoked token's), so one user's clients and tabs
 * share a budget; where there is no such user (client credentials, impersonation, an unknown or
 * malformed credential), the client it names; else one shared anonymous key. A body that cannot
 * be read counts as anonymous; the route then refuses it as it always does.
 */
export function oauthKey(shared: Shared): (c: Ctx) => Promise<string> {
  return async (c) => {
    let params: Params;
    let basicClient: string | undefined;
    try {
      params = await readParams(c);
      basicClient = basicCredentials(c)?.clientId;
    } catch {
      return ANONYMOUS;
    }
    const clientId = basicClient ?? text(params, 'client_id');
    const path = new URL(c.req.url).pathname;
    if (path.endsWith('/revoke')) {
      const owner = await ownerOfToken(shared, text(params, 'token'));
      return keyFor(shared, owner.userId, clientId ?? owner.clientId);
    }
    switch (text(params, 'grant_type')) {
      case 'authorization_code': {
        const code = text(params, 'code');
        const userId = code === undefined ? undefined : shared.tenant.codes.codes.get(code)?.userId;
        return keyFor(shared, userId, clientId);
      }
      case 'refresh_token': {
        const owner = await ownerOfToken(shared, text(params, 'refresh_token'));
        return keyFor(shared, owner.userId, clientId ?? owner.clientId);
      }
      case 'urn:ietf:params:oauth:grant-type:token-exchange': {
        const owner = await ownerOfToken(shared, text(params, 'subject_token'));
        return keyFor(shared, owner.userId, clientId ?? owner.clientId);
      }
      default:
        return keyFor(shared, undefined, clientId);
    }
  };
}

/**
 * Whose Tier 1 budget an authorization request spends: the user of the browser's login session
 * at the tenant (read without counting as use of the session), else the `client_id` it names.
 */
export function authorizeKey(shared: Shared, sessionCookie: string): (c: Ctx) => string {
  return (c) => {
    const session = shared.tenant.signIns.sessions.get(getCookie(c, sessionCookie) ?? '');
    return keyFor(shared, session?.userId, c.req.query('client_id'));
  };
}
