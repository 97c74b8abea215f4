import { Hono } from 'hono';
import { botUser } from './bot-user.js';
import { apiError } from '../http/errors.js';
import { bearer, methodNotAllowed, safeDecode } from '../http/request.js';
import { clientCors } from '../http/middleware.js';
import { thumbnailSvg } from './thumbnail.js';
import type { Ctx, Env, Shared } from '../context.js';

/**
 * What a signed-in app reads from a tenant: `/api/v1/users/me`, `/api/v1/items`, app
 * thumbnails. Mounted at `/api/v1`.
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

  return new Hono<Env>()
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
      const raw = /^\/api\/v1\/apps\/([^/]+)\//.exec(new URL(c.req.url).pathname)?.[1] ?? '';
      const app = tenant.config.apps.find((a) => a.id === safeDecode(raw));
      if (!app) throw apiError(404, 'HTTP-404', 'Not found', 'no such app');
      return c.body(thumbnailSvg(app), 200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'private, max-age=60',
      });
    })
    .get('/users/me', async (c) => {
      const record = await requireUserToken(c);
      // A client_credentials token acts as the client's bot user, as on Qlik Cloud.
      if (!record.userId) return c.json(botUser(tenant.tenantId, { clientId: record.clientId }));
      const user = tenant.user(record.userId);
      if (!user) throw apiError(404, 'HTTP-404', 'Not found', 'the token has no user');
      return c.json({
        id: user.id,
        tenantId: tenant.tenantId,
        subject: user.subject,
        name: user.name,
        email: user.email,
        status: 'active',
        roles: ['TenantAdmin'],
      });
    })
    .get('/items', async (c) => {
      await requireUserToken(c);
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
    .all('*', () => methodNotAllowed('GET'));
}
