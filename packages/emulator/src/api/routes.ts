import { Hono } from 'hono';
import { botUser, botUserId, type UserRecord } from './bot-user.js';
import { apiError, insufficientScope } from '../http/errors.js';
import { SCOPE_RULES, scopeAllows, type ScopeRule } from '../config/scopes.js';
import { bearer, methodNotAllowed, safeDecode } from '../http/request.js';
import { clientCors } from '../http/middleware.js';
import { thumbnailSvg } from './thumbnail.js';
import type { Ctx, Env, Shared } from '../context.js';

/**
 * A user record with only the identity fields the token's scopes allow: `name`, `email` and
 * `subject` need `identity.name:read`, `identity.email:read` and `identity.subject:read` (or a
 * broad scope). This is the emulator's reading of the scope descriptions ("Read your full name",
 * ...: help.qlik.com "OAuth scopes reference",
 * https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Admin/oauth-scopes.htm);
 * whether Qlik leaves such a field out or refuses the call is not published.
 */
export function withIdentityScopes(user: UserRecord, scope: string): UserRecord {
  const shown = { ...user };
  if (!scopeAllows(scope, 'readName')) delete shown.name;
  if (!scopeAllows(scope, 'readEmail')) delete shown.email;
  if (!scopeAllows(scope, 'readSubject')) delete shown.subject;
  return shown;
}

/**
 * What a signed-in app reads from a tenant: `/api/v1/users/me` (a redirect to
 * `/api/v1/users/{id}`), `/api/v1/items`, app thumbnails. Mounted at `/api/v1`.
 */
export function createApiRoutes(shared: Shared): Hono<Env> {
  const { tenant, issuerOf } = shared;

  async function requireUserToken(c: Ctx) {
    const value = bearer(c);
    const entry = c.get('entry');
    if (value && entry) entry.credential = 'bearer';
    const record = value ? await tenant.accessTokens.verify(value, undefined) : undefined;
    if (!record)
      throw apiError(401, 'HTTP-401', 'Unauthorized', 'a valid Bearer access token is required');
    return record;
  }

  /** A configured user as Qlik's users API shows it. */
  function userRecord(userId: string, origin: string): UserRecord | undefined {
    const user = tenant.user(userId);
    if (!user) return undefined;
    return {
      id: user.id,
      tenantId: tenant.tenantId,
      subject: user.subject,
      name: user.name,
      email: user.email,
      status: user.disabled ? 'disabled' : 'active',
      // Every user of the emulated tenant is a tenant admin, as before this shape; TenantAdmin
      // is one of Qlik's default roles, at admin level. The id is the emulator's own.
      assignedRoles: [
        { id: 'role-tenant-admin', name: 'TenantAdmin', type: 'default', level: 'admin' },
      ],
      assignedGroups: [],
      links: { self: { href: `${origin}/api/v1/users/${encodeURIComponent(user.id)}` } },
    };
  }

  /** Refuses with 403 a token whose scopes do not allow what `rule` names (config/scopes.ts). */
  function requireScope(record: { scope: string }, rule: ScopeRule, what: string): void {
    if (!scopeAllows(record.scope, rule)) {
      throw insufficientScope(
        `the token's scopes do not allow ${what} (${SCOPE_RULES[rule].join(' or ')})`,
      );
    }
  }

  return (
    new Hono<Env>()
      .use('*', clientCors(shared, ['GET']))
      .get('/apps/:appId/media/thumbnail', async (c) => {
        const query = c.req.query('accessToken');
        const value = query ?? bearer(c);
        const entry = c.get('entry');
        if (value && entry) entry.credential = query !== undefined ? 'webresource' : 'bearer';
        // Only a webresource-purpose token opens a web resource.
        const record = value ? await tenant.accessTokens.verify(value, 'webresource') : undefined;
        if (!record)
          throw apiError(401, 'HTTP-401', 'Unauthorized', 'a webresource accessToken is required');
        requireScope(record, 'readApps', 'reading apps');
        const raw = /^\/api\/v1\/apps\/([^/]+)\//.exec(new URL(c.req.url).pathname)?.[1] ?? '';
        const app = tenant.config.apps.find((a) => a.id === safeDecode(raw));
        if (!app) throw apiError(404, 'HTTP-404', 'Not found', 'no such app');
        return c.body(thumbnailSvg(app), 200, {
          'content-type': 'image/svg+xml',
          'cache-control': 'private, max-age=60',
        });
      })
      // Qlik Cloud's /users/me "redirects to retrieve the user resource associated with the JWT
      // claims" (qlik.dev users API, https://qlik.dev/apis/rest/users/, GET /v1/users/me; qlik-cli
      // "user me"): the answer is a redirect to /api/v1/users/{id}, which a client's fetch follows.
      // The status Qlik uses is not published; the emulator answers 302 Found, which every fetch
      // follows for a GET. The redirect passes through the CORS middleware above like any answer,
      // so a page of an allowed origin sees Access-Control-Allow-Origin on it and follows it (a
      // browser preflights /users/{id} again for its Authorization header: same middleware).
      .get('/users/me', async (c) => {
        const record = await requireUserToken(c);
        const id = record.userId ?? botUserId(record.clientId);
        return c.redirect(`${issuerOf(c)}/api/v1/users/${encodeURIComponent(id)}`, 302);
      })
      .get('/users/:userId', async (c) => {
        const record = await requireUserToken(c);
        const raw = /^\/api\/v1\/users\/([^/]+)$/.exec(new URL(c.req.url).pathname)?.[1] ?? '';
        const wanted = safeDecode(raw);
        // Only the token's own user. Qlik Cloud lets a user with access to roles read other users
        // (its User schema: "Must have access to roles to view other users' assigned roles"); the
        // emulator has no roles model for that, so another id is a 404, with the users API's code
        // for it (USERS-7 "Not found", the published example in qlik-oss/qlik-api-ts users.d.ts).
        const own = record.userId ?? botUserId(record.clientId);
        if (wanted !== own) throw apiError(404, 'USERS-7', 'Not found', 'no such user');
        const origin = issuerOf(c);
        const full = record.userId
          ? userRecord(record.userId, origin)
          : botUser(tenant.tenantId, { clientId: record.clientId }, origin);
        if (!full) throw apiError(404, 'USERS-7', 'Not found', 'no such user');
        return c.json(withIdentityScopes(full, record.scope));
      })
      .get('/items', async (c) => {
        const record = await requireUserToken(c);
        // The emulator's items are apps only: a token that may not read apps is refused.
        requireScope(record, 'readApps', 'reading apps');
        const url = new URL(c.req.url);
        const type = url.searchParams.get('resourceType');
        // `resourceId` narrows to the item of one resource, as on Qlik Cloud's items API
        // (https://qlik.dev/apis/rest/items/#get-api-v1-items).
        const resourceId = url.searchParams.get('resourceId');
        const apps = (type === null || type === 'app' ? tenant.config.apps : []).filter(
          (app) => resourceId === null || app.id === resourceId,
        );
        const origin = issuerOf(c);
        return c.json({
          data: apps.map((app) => ({
            id: `item-${app.id}`,
            resourceId: app.id,
            resourceType: 'app',
            name: app.name,
            description: app.description ?? '',
            thumbnail: `${origin}/api/v1/apps/${app.id}/media/thumbnail`,
          })),
          links: { self: { href: `${origin}${url.pathname}${url.search}` } },
        });
      })
      .get('*', async (c) => {
        await requireUserToken(c);
        throw apiError(404, 'HTTP-404', 'Not found', `no API at ${new URL(c.req.url).pathname}`);
      })
      .all('*', () => methodNotAllowed('GET'))
  );
}
